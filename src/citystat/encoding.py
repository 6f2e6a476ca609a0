"""Decoding the text files Taiwanese agencies publish: UTF-8, UTF-8 with BOM, or Big5/CP950.

A leaf module: it imports nothing of citystat, so every layer may use it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"


class EncodingError(ValueError):
    """The bytes are neither UTF-8 nor Big5/CP950; says where decoding broke."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # "utf-8", "utf-8-sig" or "cp950"


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def decode(data: bytes, *, name: str = "input") -> DecodedText:
    """Detect the encoding without being told, and decode strictly (no replacement characters)."""
    if data.startswith(UTF8_BOM):
        try:
            return DecodedText(data[len(UTF8_BOM):].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            line, column = _line_and_column(data, exc.start + len(UTF8_BOM))
            raise EncodingError(
                f"{name}: starts with a UTF-8 byte-order mark but byte {exc.start + len(UTF8_BOM)} "
                f"(line {line}, column {column}) is not UTF-8"
            ) from None
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return DecodedText(data.decode("cp950"), "cp950")
        except UnicodeDecodeError:
            line, column = _line_and_column(data, utf8_error.start)
            raise EncodingError(
                f"{name}: not UTF-8 (byte {utf8_error.start}, line {line}, column {column}) "
                "and not Big5/CP950 either; save it as UTF-8"
            ) from None


def _decodes_as(path: Path, encoding: str, skip: int, chunk: int = 1 << 20) -> bool:
    """Whether the whole file decodes strictly, read a chunk at a time and the text dropped."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as stream:
            stream.seek(skip)
            while block := stream.read(chunk):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_file_encoding(path: Path) -> str:
    """The encoding ``decode`` would pick for the file, found without holding it in memory:
    "utf-8-sig", "utf-8" or "cp950"; EncodingError (saying where it broke) when none fits."""
    with path.open("rb") as stream:
        has_bom = stream.read(len(UTF8_BOM)) == UTF8_BOM
    if has_bom and _decodes_as(path, "utf-8", len(UTF8_BOM)):
        return "utf-8-sig"
    if not has_bom:
        if _decodes_as(path, "utf-8", 0):
            return "utf-8"
        if _decodes_as(path, "cp950", 0):
            return "cp950"
    decode(path.read_bytes(), name=path.name)  # raises with the line and column where decoding broke
    raise EncodingError(f"{path.name}: cannot be decoded")  # not reached
