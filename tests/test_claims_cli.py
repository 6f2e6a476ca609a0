"""citystat check: the CLI is a thin shell over the library (its JSON is the library's report), gates a pipeline by
its exit status, and writes self-contained annotated HTML."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citystat.claims import Checker
from citystat.cli import app
from citystat.cli.check_commands import EXIT_WRONG
from citystat.store import Store

TEXTS = Path(__file__).parent / "claims"
RIGHT = "臺北酷課雲 110 年底線上課程 17.8 萬門，較 109 年底成長 1.3 倍。"
WRONG = "臺北酷課雲 110 年底線上課程 18.7 萬門，較 109 年底成長 1.3 倍。"


def run(built_db: Path, *args: str, stdin: str | None = None) -> object:
    return CliRunner().invoke(app, ["check", *args, "--db", str(built_db)], input=stdin)


def test_exit_status_gates_a_publication(built_db: Path) -> None:
    assert run(built_db, "-", stdin=RIGHT).exit_code == 0  # type: ignore[attr-defined]
    wrong = run(built_db, "-", stdin=WRONG)
    assert wrong.exit_code == EXIT_WRONG  # type: ignore[attr-defined]
    assert "wrong" in wrong.output and "17.8" in wrong.output  # type: ignore[attr-defined]  # the right figure


def test_ambiguous_and_unverifiable_claims_do_not_fail_the_run(built_db: Path) -> None:
    text = "臺北酷課雲線上課程數 109 年底為 7 萬 7,184 門，較 106 年底增加 514 倍。111 年瀏覽 5,000 萬人次。"
    result = run(built_db, "-", "--format", "json", stdin=text)
    assert result.exit_code == 0  # type: ignore[attr-defined]
    summary = json.loads(result.output)["summary"]  # type: ignore[attr-defined]
    assert (summary["ambiguous"], summary["unverifiable"], summary["wrong"]) == (1, 1, 0)


def test_json_is_the_library_report_with_spans_into_the_text(built_db: Path) -> None:
    path = TEXTS / "report_en.txt"
    text = path.read_text(encoding="utf-8")
    result = run(built_db, str(path), "--format", "json", "--lang", "en")
    assert result.exit_code == EXIT_WRONG  # type: ignore[attr-defined]
    answer = json.loads(result.output)  # type: ignore[attr-defined]
    with Store(built_db, read_only=True) as store:
        expected = Checker(store.latest()).check(text, "en").to_dict()
    assert answer == json.loads(json.dumps(expected, ensure_ascii=False))
    for claim in answer["claims"]:
        start, end = claim["span"]
        assert text[start:end] == claim["text"]
        assert claim["verdict"] in ("correct", "wrong", "ambiguous", "unverifiable", "not_a_claim")
        if claim["verdict"] == "wrong":
            assert claim["cells"] and claim["formula"] and claim["wording"]


class _Marks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.marks: list[dict[str, str | None]] = []
        self.tips = 0
        self.external: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if tag == "mark":
            self.marks.append(found)
        if tag == "span" and found.get("class") == "tip":
            self.tips += 1
        for name in ("src", "href"):
            if found.get(name):
                self.external.append(str(found[name]))


def test_html_marks_every_claim_in_colour_with_its_computation(built_db: Path, tmp_path: Path) -> None:
    path = TEXTS / "report_zh.txt"
    out = tmp_path / "checked.html"
    result = run(built_db, str(path), "--format", "html", "--output", str(out))
    assert result.exit_code == EXIT_WRONG  # type: ignore[attr-defined]
    page = out.read_text(encoding="utf-8")
    parser = _Marks()
    parser.feed(page)
    classes = [m["class"] for m in parser.marks]
    assert {"correct", "wrong", "ambiguous", "unverifiable"} <= set(classes)
    assert parser.tips == len(parser.marks) > 30
    assert not parser.external and "script" not in parser.tags and "link" not in parser.tags  # self-contained
    wrong = next(m for m in parser.marks if m["class"] == "wrong")
    assert "wrong" in str(wrong["title"])
    assert "514.6" in page and "513.6" in page  # the ambiguous claim's two readings
    text = path.read_text(encoding="utf-8")
    assert "係 106 年底之 514.6 倍（成長 513.6 倍）" in page
    assert text.splitlines()[0] in page


@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_every_format_reads_standard_input(built_db: Path, fmt: str) -> None:
    result = run(built_db, "-", "--format", fmt, stdin=RIGHT)
    assert result.exit_code == 0 and "17.8" in result.output  # type: ignore[attr-defined]


def test_a_missing_file_or_a_bad_language_is_a_usage_error(built_db: Path) -> None:
    assert run(built_db, "no-such-file.txt").exit_code == 2  # type: ignore[attr-defined]
    assert run(built_db, "-", "--lang", "fr", stdin=RIGHT).exit_code == 2  # type: ignore[attr-defined]


def test_big5_text_is_read(built_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "big5.txt"
    path.write_bytes(RIGHT.encode("cp950"))
    result = run(built_db, str(path), "--format", "json")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert json.loads(result.output)["summary"]["correct"] == 2  # type: ignore[attr-defined]
