"""An input file as readers see it: its name, bytes, declared media type and encoding, and helpers that
turn bytes into text or JSON with an error that names the file, line and column."""

from __future__ import annotations

import codecs
import json
import mimetypes
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citystat.encoding import UTF8_BOM, EncodingError, decode
from citystat.model import InvalidInput, Problem

HEAD_BYTES = 4096
MAX_FILE_BYTES = 512 * 1024 * 1024  # a reader holds a file whole: larger ones are refused, not half-read


GZIP_MAGIC = b"\x1f\x8b"


def _gunzipped(data: bytes, name: str) -> bytes:
    """A gzip file's content (feeds are served gzipped, e.g. YouBikeTP.gz), at most MAX_FILE_BYTES of it; other
    bytes as they are (a file named .gz may hold plain JSON)."""
    if not data.startswith(GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_FILE_BYTES + 1)
    except zlib.error as exc:
        raise InvalidInput([Problem("bad_gzip", f"starts as gzip but does not inflate: {exc}", file=name)]) from None
    if len(out) > MAX_FILE_BYTES or inflater.unconsumed_tail:
        raise InvalidInput([Problem("file_too_large", f"inflates to more than {MAX_FILE_BYTES:,} bytes", file=name)])
    if not inflater.eof:
        raise InvalidInput([Problem("bad_gzip", "the gzip stream is cut short (truncated)", file=name)])
    return out


@dataclass(frozen=True)
class SourceFile:
    """One file to read. ``encoding`` is what the sender declared (None: detect); ``media_type`` likewise."""

    name: str
    data: bytes
    media_type: str | None = None
    encoding: str | None = None
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def open(cls, path: Path, *, media_type: str | None = None, encoding: str | None = None) -> SourceFile:
        guessed = media_type or mimetypes.guess_type(path.name)[0]
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput([Problem("file_too_large", f"{size:,} bytes, more than the {MAX_FILE_BYTES:,} a reader "
                                        "takes whole; split it (a folder of files is read as one)", file=path.name)])
        return cls(path.name, _gunzipped(path.read_bytes(), path.name), guessed, encoding, path)

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    @property
    def head(self) -> bytes:
        """The first bytes, byte-order mark and leading white space removed: what handles() looks at."""
        return self.data[:HEAD_BYTES].removeprefix(UTF8_BOM).lstrip()

    def problem(self, code: str, message: str, *, row: int | None = None, column: str | None = None,
                **kw: str) -> Problem:
        return Problem(code, message, file=self.name, row=row, column=column, **kw)

    def fail(self, code: str, message: str, **kw: Any) -> InvalidInput:
        return InvalidInput([self.problem(code, message, **kw)])

    def text(self) -> tuple[str, str]:
        """The decoded text and its encoding; a declared encoding is held to, an undeclared one detected."""
        if self.encoding is None:
            try:
                decoded = decode(self.data, name=self.name)
            except EncodingError as exc:
                raise self.fail("bad_encoding", str(exc)) from None
            return decoded.text, decoded.encoding
        declared = codecs.lookup(self.encoding).name
        data = self.data.removeprefix(UTF8_BOM) if declared.startswith("utf-8") else self.data
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            hint = ""
            try:
                data.decode("cp950")
                hint = "; the bytes read as Big5/CP950: declare that encoding (cp950) or leave it undeclared"
            except UnicodeDecodeError:
                pass
            raise self.fail(
                "bad_encoding",
                f"declared {self.encoding} but byte {exc.start} (line {line}, column {column}) is not {declared}"
                + hint,
                row=line,
            ) from None

    def json(self) -> Any:
        """The parsed JSON (which is UTF-8 by definition); a cut or damaged file says where it broke."""
        try:
            text = self.data.removeprefix(UTF8_BOM).decode("utf-8")
        except UnicodeDecodeError as exc:
            line = self.data.count(b"\n", 0, exc.start) + 1
            raise self.fail("bad_encoding", f"JSON must be UTF-8, but byte {exc.start} (line {line}) is not",
                            row=line) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            cut = exc.pos >= len(text.rstrip()) - 1 or "Unterminated" in exc.msg
            why = "the file is cut short (truncated)" if cut else "the file is damaged"
            raise self.fail(
                "bad_json",
                f"not valid JSON: {exc}; {why}",
                row=exc.lineno,
            ) from None
