"""The cache of compiled notice templates: it saves compiling, never changes what is rendered,
and a temp folder that cannot hold it only makes compiling slower."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from notifications.render import Renderer
from tests.unit.test_render import ZH, notice, user_templates


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def cached_files(temp_folder: Path) -> list[Path]:
    return sorted(temp_folder.glob("_jinja2-cache-*/rectify-*.cache"))


def test_a_second_renderer_renders_the_same_from_the_cache(temp_folder: Path) -> None:
    first = Renderer("zh")
    first.check()
    written = cached_files(temp_folder)
    assert written, "the check compiled every template and kept the code"
    folder = written[0].parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # the user's own

    second = Renderer("zh")
    second.check()
    assert cached_files(temp_folder) == written  # loaded, not written again
    for event in ("blue", "red", "assigned"):
        for channel in ("email", "sms"):
            assert second.render(notice(event=event), channel) == first.render(
                notice(event=event), channel
            )


def test_an_edited_template_is_compiled_again(temp_folder: Path, tmp_path: Path) -> None:
    folder = user_templates(tmp_path, {"warning.sms.j2": "{{ ref }} 第一版"})
    assert Renderer("zh", folder).render(notice(), "sms").body == "R12 第一版"

    (folder / "zh" / "warning.sms.j2").write_text("{{ ref }} 第二版", encoding="utf-8")

    assert Renderer("zh", folder).render(notice(), "sms").body == "R12 第二版"


def test_a_damaged_cache_file_is_compiled_again(temp_folder: Path) -> None:
    expected = Renderer("zh").render(notice(), "email")
    for path in cached_files(temp_folder):
        path.write_bytes(path.read_bytes()[:20])  # cut short, as by a full disk

    assert Renderer("zh").render(notice(), "email") == expected


def test_a_cache_folder_that_cannot_be_used_only_costs_compiling(temp_folder: Path) -> None:
    (temp_folder / f"_jinja2-cache-{os.getuid()}").write_text("a file, not a folder")

    renderer = Renderer("zh")
    renderer.check()

    assert renderer.render(notice(), "email") == ZH.render(notice(), "email")
    assert cached_files(temp_folder) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs to give the folder to another user")
def test_a_cache_folder_owned_by_someone_else_is_not_used(temp_folder: Path) -> None:
    # A file another user could have put there must never be run.
    shared = temp_folder / f"_jinja2-cache-{os.getuid()}"
    shared.mkdir(mode=0o700)
    os.chown(shared, 65534, 65534)

    renderer = Renderer("zh")
    renderer.check()

    assert renderer.render(notice(), "sms").body
    assert list(shared.iterdir()) == []
