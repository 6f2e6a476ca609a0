"""The language of official statistics: number and period words, the writing conventions, narratives.

- ``numbers``: 萬 / 億, 倍, 百分點, ROC period labels; millions, "times the 2018 level", percentage points.
- ``conventions``: every wording rule in one table (成長 N 倍 = ratio − 1, 係 N 倍 = ratio, ...).
- ``findings``: what is noteworthy in a table, chosen by rules over its metadata.
- ``narrative``: the findings written in zh-TW or en, each sentence with the indicators it states.
"""

from citystat.language.narrative import Narrative, Sentence, key_findings, narrate

__all__ = ["Narrative", "Sentence", "key_findings", "narrate"]
