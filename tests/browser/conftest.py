"""A headless Chromium for tests that look at pages the way people do.

The browser is Debian's `chromium-headless-shell` (apt) driven by pip's `playwright`; no
browser is downloaded. When either is missing the tests skip with the reason, except under CI
(the CI variable set), where they fail: `.ci/run` installs the browser.
RECTIFY_TEST_CHROMIUM names another binary.

Fixtures: `browser` (one per session), `page` (a desktop page) and `phone_page` (375 x 812,
an iPhone's viewport, touch, device scale 2), each closed after its test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = (
    "chromium-headless-shell",
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/lib/chromium-headless-shell/chromium-headless-shell",
    "chromium",
)
PHONE = {"width": 375, "height": 812}


def find_chromium() -> str | None:
    """The headless Chromium binary: RECTIFY_TEST_CHROMIUM, else the first one installed."""
    wanted = os.environ.get("RECTIFY_TEST_CHROMIUM")
    for candidate in (wanted,) if wanted else CANDIDATES:
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found and os.access(found, os.X_OK):
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    binary = find_chromium()
    if binary is None:
        _unavailable(
            "no headless Chromium (apt-get install chromium-headless-shell fonts-wqy-microhei)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        yield context.new_page()
    finally:
        context.close()
