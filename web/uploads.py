"""Evidence sent with a fix (报结) from the web: photos and PDF files, checked before anything
is written.

A file is taken for what its first bytes say it is (JPEG, PNG, GIF, WebP, HEIC/HEIF, PDF),
never for its name or the type the browser claims: a page or an archive named 现场.jpg is
refused, and with it the whole report, so nothing is stored. Files that pass become the
`EvidenceFile`s `rectify fix --evidence` makes, and workflow.services.lifecycle stores them the
one way it stores every file (once per SHA-256, in the same transaction as the fix).

Limits (settings `web: max_upload_files`, `web: max_upload_mb`): at most 10 files of at most
20 MB each by default. The server reads no request larger than all of them together
(web.create_app sets Flask's MAX_CONTENT_LENGTH from `request_bytes`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Protocol

from workflow.errors import InvalidInput
from workflow.i18n import Msg
from workflow.services.lifecycle import EvidenceFile

DEFAULT_FILES = 10
DEFAULT_MEGABYTES = 20
BOUNDS = {"max_upload_files": (1, 50), "max_upload_mb": (1, 200)}
# The note, the token and the multipart framing around the files.
FORM_BYTES = 1024 * 1024
MEGABYTE = 1024 * 1024
# A stored name keeps at most this many characters (its suffix included).
NAME_CHARS = 120
# The HEIF brands phones write (iPhone photos are heic; mif1/msf1 are HEIF's generic ones).
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


@dataclass(frozen=True)
class UploadLimits:
    files: int = DEFAULT_FILES
    megabytes: int = DEFAULT_MEGABYTES

    @property
    def file_bytes(self) -> int:
        return self.megabytes * MEGABYTE

    @property
    def request_bytes(self) -> int:
        """The largest request the server reads: every file at its largest, and the form."""
        return self.files * self.file_bytes + FORM_BYTES


@dataclass(frozen=True)
class Kind:
    name: str
    suffixes: tuple[str, ...]  # the first is added to a name that has none of them


JPEG = Kind("JPEG", (".jpg", ".jpeg", ".jfif"))
PNG = Kind("PNG", (".png",))
GIF = Kind("GIF", (".gif",))
WEBP = Kind("WebP", (".webp",))
HEIC = Kind("HEIC", (".heic", ".heif"))
PDF = Kind("PDF", (".pdf",))


class Upload(Protocol):
    """What a browser's file field gives (werkzeug's FileStorage)."""

    @property
    def filename(self) -> str | None: ...

    @property
    def stream(self) -> IO[bytes]: ...


def upload_limits(values: Mapping[str, str]) -> UploadLimits:
    """The limits from the settings (RECTIFY_WEB_MAX_UPLOAD_FILES / _MB); a value that is not
    a whole number in its bounds is refused when the server starts."""
    found = {}
    for key, default in (("max_upload_files", DEFAULT_FILES), ("max_upload_mb", DEFAULT_MEGABYTES)):
        text = values.get(f"RECTIFY_WEB_{key.upper()}", "").strip()
        low, high = BOUNDS[key]
        if not text:
            found[key] = default
        elif text.isdigit() and low <= int(text) <= high:
            found[key] = int(text)
        else:
            raise InvalidInput(
                Msg(
                    "setting web: {key} {value!r} must be a whole number from {low} to {high}",
                    key=key,
                    value=text,
                    low=low,
                    high=high,
                )
            )
    return UploadLimits(found["max_upload_files"], found["max_upload_mb"])


def sniff(content: bytes) -> Kind | None:
    """The kind of file these bytes begin, or None when they are no photo or PDF."""
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content[4:8] == b"ftyp" and content[8:12] in HEIF_BRANDS:
        return HEIC
    if content.startswith(b"%PDF-"):
        return PDF
    return None


def evidence_files(uploads: Iterable[Upload], limits: UploadLimits) -> list[EvidenceFile]:
    """The files of a form's file field, each checked; InvalidInput names the first that
    fails, and then none of them is kept."""
    # A file field left empty still sends one part, with no name and no bytes.
    chosen = [upload for upload in uploads if upload.filename]
    if len(chosen) > limits.files:
        raise InvalidInput(
            Msg(
                "{count} files sent; at most {most} go with one report, nothing was saved",
                count=len(chosen),
                most=limits.files,
            )
        )
    found = []
    for upload in chosen:
        given = upload.filename or ""
        content = upload.stream.read(limits.file_bytes + 1)
        if len(content) > limits.file_bytes:
            raise InvalidInput(
                Msg(
                    "{name} is larger than {mb} MB; nothing was saved",
                    name=shown_name(given),
                    mb=limits.megabytes,
                )
            )
        if not content:
            raise InvalidInput(Msg("{name} is empty; nothing was saved", name=shown_name(given)))
        kind = sniff(content)
        if kind is None:
            raise InvalidInput(
                Msg(
                    "{name} is not a photo (JPEG, PNG, GIF, WebP, HEIC) or a PDF; nothing was "
                    "saved",
                    name=shown_name(given),
                )
            )
        found.append(EvidenceFile(stored_name(given, kind), content))
    return found


def shown_name(given: str) -> str:
    """The name as the person chose it, without a folder or control characters."""
    base = given.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf"))
    return kept.strip() or "?"


def stored_name(given: str, kind: Kind) -> str:
    """The name kept with the file: the person's, ending in a suffix of what it really is
    (现场 -> 现场.jpg; 扫描.png holding a PDF -> 扫描.png.pdf), cut to NAME_CHARS."""
    name = shown_name(given)
    if name == "?":
        name = "evidence"
    if not name.lower().endswith(kind.suffixes):
        name += kind.suffixes[0]
    if len(name) > NAME_CHARS:
        suffix = name[name.rfind(".") :]
        name = name[: NAME_CHARS - len(suffix)] + suffix
    return name
