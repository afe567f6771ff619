"""Small real files for upload tests, made here rather than kept as binaries: a PNG any image
viewer opens (zlib and struct are all a PNG needs), and files that only pretend to be photos."""

from __future__ import annotations

import struct
import zlib

# Files named like photos that are something else.
HTML_AS_JPG = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
ZIP_AS_JPG = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40
TEXT_AS_PNG = "现场照片（其实是文字）".encode()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The first bytes of a JPEG file (SOI, APP0 JFIF): enough for the content check.
JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def png(width: int = 48, height: int = 32, seed: int = 0) -> bytes:
    """An RGB PNG of `width` x `height` with a colour gradient (`seed` changes its bytes)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(((x * 5 + seed) % 256, (y * 7) % 256, 160)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + (_chunk(b"IEND", b""))
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
