"""The words the checker reads: cue words taken from the writers' own convention templates, plus the synonyms a
person writing by hand also uses.

The meaning of each cue comes from ``citystat.language.conventions.WORDINGS``: the word before ``{n}`` in
``較{base}成長{n}`` is a rise, the words around ``{base}`` in ``係{base}之{r}`` make a ratio, and so on. Nothing here
redefines what 成長 N 倍 or 係 N 倍 means; the extra synonyms below are mapped onto the same wording names.
"""

from __future__ import annotations

import re
from string import Formatter

from citystat.language import conventions as conv
from citystat.model import ZH

_PUNCT = " （）()，,、；;：:"


def _pieces(template: str) -> list[tuple[str, str | None]]:
    return [(literal, field) for literal, field, _, _ in Formatter().parse(template)]


def _before(template: str, field: str) -> str:
    """The literal words right before ``{field}`` in a template, without punctuation or spaces."""
    for literal, name in _pieces(template):
        if name == field:
            return literal.strip(_PUNCT)
    return ""


def _after(template: str, field: str) -> str:
    pieces = _pieces(template)
    for i, (_, name) in enumerate(pieces):
        if name == field and i + 1 < len(pieces):
            return pieces[i + 1][0].strip(_PUNCT)
    return ""


def _zh_templates(name: str) -> tuple[str, ...]:
    entry = conv.WORDINGS[name]
    return (entry.zh, *entry.zh_synonyms)


def _last_word(literal: str) -> str:
    """較 / 係 / 之: the cue is the literal's last word (after a 均 or 以 the writers put in front)."""
    return literal.split()[-1] if literal.split() else ""


def _words(names: tuple[str, ...], field: str, where: str = "before") -> set[str]:
    found = set()
    for name in names:
        for template in _zh_templates(name):
            word = _before(template, field) if where == "before" else _after(template, field)
            if word:
                found.add(word)
    return found


# -- zh-TW ---------------------------------------------------------------------------------------------------

ZH_UP_VERBS = _words(("growth_rate_up", "growth_multiple", "points_up", "difference_up"), "n") | {
    "增長", "上升", "提高", "提升", "攀升", "多出"}
ZH_DOWN_VERBS = _words(("growth_rate_down", "points_down", "difference_down"), "n") | {
    "下降", "降低", "衰退", "下滑", "減"}
ZH_BASE_MARKERS = _words(("growth_rate_up", "growth_rate_down", "points_up", "difference_up"), "base") | {
    "與", "比", "相較於", "相較", "相比", "比較"}
ZH_RATIO_LEADS = {_last_word(_before(t, "base")) for t in _zh_templates("ratio")} | {"是"}
ZH_RATIO_LINKS = {_before(t, "r") for t in _zh_templates("ratio")}
ZH_RATIO_REACHED = ("增至", "增為", "成長至", "成長為", "增加至", "增加為", "提升至", "升至", "達到", "達")
ZH_SHARE_VERB = _before(conv.WORDINGS["share"].zh, "n")  # 占
ZH_SHARE_FIRST = _after(conv.WORDINGS["share"].zh, "n")  # 最多
ZH_SHARE_SECOND = _after(conv.WORDINGS["runner_up"].zh, "n")  # 次之
ZH_RANK_VERB = _before(conv.WORDINGS["rank"].zh, "peers")  # 居
ZH_RANK_WORD = _before(conv.WORDINGS["rank"].zh, "n")  # 第
ZH_STAYED = _before(conv.WORDINGS["stayed_above"].zh, "n").lstrip("均")  # 維持在
ZH_STAYED_VERBS = {ZH_STAYED, "維持", "保持在", "保持", "均在", "皆在"}
ZH_ABOVE = _after(conv.WORDINGS["stayed_above"].zh, "n")  # 以上
ZH_SINCE_LEAD = _before(conv.WORDINGS["rose_every_period"].zh, "start")  # 自
ZH_SINCE_TAIL = _after(conv.WORDINGS["rose_every_period"].zh, "start")[:1]  # 起
ZH_RISE_EVERY = _after(conv.WORDINGS["rose_every_period"].zh, "start")[1:]  # 逐年上升
ZH_FALL_EVERY = _after(conv.WORDINGS["fell_every_period"].zh, "start")[1:]  # 逐年下降
ZH_PEAK_TAIL = _after(conv.WORDINGS["peak"].zh, "n")  # 最高

ZH_RISE_WORDS = (ZH_RISE_EVERY[2:], "增加", "成長", "攀升", "遞增")  # after 逐年
ZH_FALL_WORDS = (ZH_FALL_EVERY[2:], "減少", "遞減", "下滑")
ZH_ALL_WORDS = ("均", "皆", "都", "全")  # 均居六都第 1: one figure for every item of a list
ZH_RESPECTIVELY = "分別"
ZH_FLOW_CUES = ("新增", "全年", "當年", "年內", "一年來", "年度內")
ZH_STOCK_CUES = ("累計", "年底", "期底")  # a stock: the level at the period end
ZH_MONTHLY_CUES = ("每月平均", "平均每月", "月平均", "每月")
ZH_DAILY_CUES = ("平均每日", "每日平均", "日平均", "每日", "每天")
ZH_APPROX = conv.QUALIFIERS["about"].zh
ZH_MORE_THAN = conv.QUALIFIERS["more_than"].zh
ZH_LESS_THAN = conv.QUALIFIERS["less_than"].zh
ZH_PREVIOUS = ("上年", "去年", "前一年", "上一年", "前年同期", "上期", "前一期")
ZH_LIST_SEPARATORS = ("、", "及", "和", "與", "以及", "跟")
ZH_NUMERALS = {"一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

# units a number may carry in Chinese text besides those of the tables in the store
ZH_UNITS = ("人次", "人", "門", "張", "元", "輛", "席", "件", "項", "次", "個", "名", "位", "間", "種", "小時", "分鐘",
            "天", "戶", "家", "所", "座", "站", "部", "筆", "則", "份", "公里", "公尺", "台", "臺", "支", "場", "堂",
            "處", "校")

# -- en -------------------------------------------------------------------------------------------------------


def _en_before(name: str, field: str) -> str:
    return _before(conv.WORDINGS[name].en, field)


EN_UP_WORDS = {_en_before("growth_rate_up", "n"), _en_before("points_up", "n")} | {
    "rose", "risen", "increased", "grew", "grown", "higher", "rising", "gained", "climbed", "jumped", "an increase of",
    "a rise of", "growth of", "increase of", "rise of"}
EN_DOWN_WORDS = {_en_before("growth_rate_down", "n"), _en_before("points_down", "n")} | {
    "fell", "fallen", "decreased", "declined", "dropped", "lower", "falling", "a decrease of", "a fall of",
    "a drop of", "decrease of", "fall of", "drop of"}
EN_TIMES = _after(conv.WORDINGS["ratio"].en, "r")  # times
EN_RANKED = _en_before("rank", "n")  # ranked
EN_RANK_WORDS = (EN_RANKED, "ranks", "rank", "placed", "came", "was placed", "finished", "ranking")
EN_STAYED = _en_before("stayed_above", "n")  # stayed above
EN_STAYED_WORDS = (EN_STAYED, "remained above", "stayed over", "remained over", "kept above", "held above",
                   "stayed at or above", "remained at or above", "never fell below")
EN_RISE_EVERY = ("risen", "rose", "increased", "grown", "grew", "climbed")
EN_FALL_EVERY = ("fallen", "fell", "decreased", "declined", "dropped")
EN_SHARE_SECOND = _en_before("runner_up", "second")  # followed by
EN_SHARE_CUES = ("share", "accounted for", "account for", "accounting for", "made up", "of all", "of the total")
EN_PEAKED = _en_before("peak", "n")  # peaked at
EN_ALL_WORDS = ("each", "all", "every one", "both")
EN_RESPECTIVELY = "respectively"
EN_FLOW_CUES = ("during", "in the course of", "added", "new ", "over the year", "in the year", "that year")
EN_STOCK_CUES = ("end of", "cumulative", "in total so far", "as of")
EN_MONTHLY_CUES = ("a month", "per month", "monthly", "each month")
EN_DAILY_CUES = ("a day", "per day", "daily", "each day")
EN_AVERAGE_CUES = ("average", "averaged")
EN_APPROX = conv.QUALIFIERS["about"].en
EN_MORE_THAN = conv.QUALIFIERS["more_than"].en
EN_LESS_THAN = conv.QUALIFIERS["less_than"].en
EN_PREVIOUS = ("the previous year", "a year earlier", "the year before", "the prior year", "last year",
               "year on year", "year-on-year")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
EN_ORDINALS = {w: i for i, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                                           "eighth", "ninth", "tenth"), start=1)}
EN_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                   "ten": 10}
# words after "N times" that make it a multiple of something (3.6 times the 2018 level), not a count of times
EN_MULTIPLE_FOLLOWERS = ("the", "that", "those", "as", "higher", "more", "larger", "greater", "bigger", "its",
                         "their", "what", "over", "compared", "of")


def list_joint(between: str, lang: str) -> bool:
    """Whether only list words stand between two items: 、 及 和 (81.8%、98.7% 及 96.1%) / , and (home computer,
    mobile phone and internet access)."""
    if lang == ZH:
        return re.sub(r"\s+", "", between) in ZH_LIST_SEPARATORS
    return bool(re.fullmatch(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)\s*", between))


def alternatives(words: set[str] | tuple[str, ...] | list[str]) -> str:
    """A regex alternation, longest first, so 成長至 is tried before 成長."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)
