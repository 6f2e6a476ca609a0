"""The dashboard's own font: Noto Sans CJK TC cut down to the characters its pages use, served as WOFF2.

A reader's browser uses a locally installed Noto Sans CJK TC when there is one (``local()`` in the
stylesheet) and otherwise downloads these subsets from citystat itself, so Chinese reads the same everywhere
and nothing comes from a font CDN. A character outside the subset (in a table a user loaded) falls back to
the reader's own fonts.

A tool for building citystat, not part of the package. Regenerate after the catalog or the dashboard's words
change (a test says when):

    .venv/bin/python -m tools.subset_fonts

It needs Debian's fonts-noto-cjk (the source) and fontTools with brotli (both installed with WeasyPrint).
Noto Sans CJK is under the SIL Open Font License 1.1; see static/fonts/OFL.txt.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from citystat.dashboard.render import PACKAGE_STATIC

FONT_DIR = PACKAGE_STATIC / "fonts"
SOURCES = {  # served file -> (collection, the index of Noto Sans CJK TC in it)
    "NotoSansCJKtc-Regular.subset.woff2": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 3),
    "NotoSansCJKtc-Bold.subset.woff2": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 3),
}
# Always in: printable ASCII, Latin-1 letters, and the punctuation and symbols Chinese text uses.
BASE_CHARACTERS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0xA0, 0x100))
    + "，。、；：？！「」『』（）【】《》〈〉…—–－～・·‧％＋＝／＿　“”‘’•▲▼■›←→↑↓×÷−±≥≤°"
    + "０１２３４５６７８９年月日週第名個人次萬億元項門件張輛位"
)


def page_characters(pages: Iterable[dict[str, object]]) -> set[str]:
    """Every character the given page data holds (their JSON, with the chart specs)."""
    chars: set[str] = set()
    for page in pages:
        chars |= set(json.dumps(page, ensure_ascii=False))
    return chars


def fixed_characters() -> set[str]:
    """The characters of the dashboard's and the publication's fixed words."""
    from citystat.dashboard.words import WORDS
    from citystat.publish.words import WORDS as PUBLICATION_WORDS

    chars = set(BASE_CHARACTERS)
    for text in [*WORDS.values(), *PUBLICATION_WORDS.values()]:
        chars |= set(text.zh) | set(text.en)
    return chars


def catalog_pages() -> list[dict[str, object]]:
    """Every page of the dashboard over the bundled catalog, in both languages."""
    from citystat.catalog import bundled_tables
    from citystat.dashboard.pages import home_page, service_page, table_page
    from citystat.model import LANGUAGES
    from citystat.query import StoreReader
    from citystat.store import Store

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.duckdb"
        with Store(path) as store:
            store.load_many(bundled_tables(), origin="catalog")
        reader = StoreReader(path)
        pages: list[dict[str, object]] = []
        snapshot = reader.snapshot()
        subjects = sorted({entry.meta.subject for entry in snapshot.entries.values()})
        for lang in LANGUAGES:
            pages.append(home_page(reader, lang))
            pages += [service_page(reader, code, lang) for code in subjects]
            pages += [table_page(reader, table_id, lang) for table_id in snapshot.entries]
    return pages


def covered_characters(name: str = "NotoSansCJKtc-Regular.subset.woff2") -> set[str]:
    """The characters a shipped subset has glyphs for."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / name)
    return {chr(code) for code in font.getBestCmap()}


def write_subsets(characters: set[str]) -> list[Path]:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    FONT_DIR.mkdir(parents=True, exist_ok=True)
    text = "".join(sorted(c for c in characters if c.isprintable() or c == "\u3000"))
    written = []
    for name, (collection, index) in SOURCES.items():
        options = subset.Options()
        options.flavor = "woff2"
        options.hinting = False
        options.desubroutinize = True
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and licence records
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        font = TTFont(collection, fontNumber=index, recalcTimestamp=False)  # the same input gives the same file
        subsetter.subset(font)
        font.flavor = "woff2"
        target = FONT_DIR / name
        font.save(target)
        written.append(target)
    return written


def main() -> None:
    characters = fixed_characters() | page_characters(catalog_pages())
    for path in write_subsets(characters):
        print(f"{path} ({path.stat().st_size // 1024} KiB, {len(characters)} characters)", file=sys.stderr)


if __name__ == "__main__":
    main()
