"""The claim checker's reasons: each declared once with both languages, told in either from its name and fields,
never from its English wording."""

from __future__ import annotations

import copy
import json
import pickle
import re
from string import Formatter

import pytest

from citystat.language.verdicts import REASONS, WORDS, Reason, Word, because, reason

ZH = "zh-TW"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_every_reason_renders_in_both_languages_with_its_fields(name: str) -> None:
    en, zh = REASONS[name]
    fields = {field: f"<{field}>" for field in _fields(en) | _fields(zh)}
    said = because(name, **fields)
    for text, template in ((str(said), en), (said.said(ZH), zh), (said.said("en"), en)):
        assert "{" not in text and "}" not in text, text
        for field in _fields(template):
            assert f"<{field}>" in text, (name, field, text)
    assert not re.search(r"[A-Za-z]{2,}", re.sub(r"\{\w+\}", "", zh)), (name, zh)  # no English in the Chinese


def test_a_reasons_string_is_its_english_message() -> None:
    said = because("fewer_periods", table="taipei_free_usage", n=3)
    assert said == "taipei_free_usage has fewer than 3 periods" and said.startswith("taipei_free_usage")
    assert (said.name, dict(said.fields)) == ("fewer_periods", {"table": "taipei_free_usage", "n": 3})
    assert said.said(ZH) == "taipei_free_usage 之期數少於 3"
    assert json.loads(json.dumps({"message": said})) == {"message": str(said)}
    for again in (pickle.loads(pickle.dumps(said)), copy.deepcopy(said)):
        assert isinstance(again, Reason) and again.said(ZH) == said.said(ZH)


def test_chinese_comes_from_the_name_and_fields_not_from_english_wording() -> None:
    inner = because("level_wrong", right="17.8 萬門", when="110 年底", stated="18.7 萬門")
    outer = because("in_back_matter", read=inner)
    assert outer.said(ZH).endswith("若視為統計發現則不成立：資料庫之 110 年底為 17.8 萬門，而非 18.7 萬門")
    assert str(outer).endswith("read as a finding it would not hold: the store gives 17.8 萬門 for 110 年底, "
                               "not 18.7 萬門")
    told = because("unverifiable", reason=because("names_other_tables", tables="cooc_cloud",
                                                     table="citizen_platform_visits", read=inner)).said(ZH)
    assert told.startswith("無法查核：句中所指為 cooc_cloud，而非 citizen_platform_visits（若如此解讀：資料庫之")
    # the same English as plain text is not a reason: it is told as it is, nothing is guessed from its words
    assert reason(str(inner), ZH) == str(inner)
    assert reason(inner, ZH) == inner.said(ZH) == "資料庫之 110 年底為 17.8 萬門，而非 18.7 萬門"


def test_words_of_the_checkers_vocabulary_are_declared() -> None:
    assert because("series_peak", word=Word("highest"), right="7.8 萬人次（108 年）").said(ZH) == \
        "歷年最高為 7.8 萬人次（108 年）"
    assert because("every_period", word=Word("rose"), start="2015", end="2021").said(ZH) == "2015–2021 各期均上升"
    assert because("largest_move_is", word=Word("fall"), when="109 年").said(ZH) == "歷年最大降幅在 109 年"
    assert {"highest", "lowest", "rise", "fall", "rose", "fell", "ratio", "growth multiple"} <= set(WORDS)
    with pytest.raises(KeyError, match="'soared' is not a declared word"):
        Word("soared")


def test_an_undeclared_reason_or_a_missing_field_is_an_error() -> None:
    with pytest.raises(KeyError, match="'no_such_reason' is not a declared reason"):
        because("no_such_reason")
    with pytest.raises(TypeError, match=r"takes the fields \['n', 'table'\], not \['table'\]"):
        because("fewer_periods", table="taipei_free_usage")
    with pytest.raises(TypeError):
        because("date", day="3 月 5 日")


def test_a_message_that_is_no_reason_is_told_as_it_is() -> None:
    assert reason("no 2019 figure: the series starts in 2020", ZH) == "no 2019 figure: the series starts in 2020"
    assert because("unverifiable", reason="the series starts in 2020").said(ZH) == "無法查核：the series starts in 2020"
