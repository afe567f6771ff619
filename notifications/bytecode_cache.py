"""Compiled notice templates kept between runs (Jinja's bytecode cache).

Every `deliver` (and scheduler run) checks all the templates before claiming anything
(Renderer.check), and compiling them was most of that check. Jinja keeps the compiled code in
a folder of the user's own (`_jinja2-cache-<uid>` in the temp folder, mode 0700, refused when
anyone else owns it), one file per template keyed by its path and checked against the source's
hash, so an edited template is compiled again. The file names carry the Jinja and rectify
versions, so an upgrade never runs code compiled by another version.

The cache only saves time: a folder that cannot be made or written leaves templates compiled
as before, never an error.
"""

from __future__ import annotations

from contextlib import suppress
from importlib.metadata import PackageNotFoundError, version

import jinja2
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache


class _QuietCache(FileSystemBytecodeCache):
    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable or cut short (pickle, marshal): compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):  # a full or read-only temp folder: the next run compiles again
            super().dump_bytecode(bucket)


def bytecode_cache() -> BytecodeCache | None:
    """The user's cache of compiled templates, or None when no safe folder can be had."""
    try:
        rectify = version("rectify")
    except PackageNotFoundError:
        rectify = "unknown"
    pattern = f"rectify-{rectify}-jinja-{jinja2.__version__}-%s.cache"
    try:
        return _QuietCache(pattern=pattern)
    except (OSError, RuntimeError):  # RuntimeError: Jinja found the folder unsafe
        return None
