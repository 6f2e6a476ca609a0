"""The claim checker: every numeric statement of a statistical text in Traditional Chinese or English, found,
resolved to the cells of the store and verified, with the cells and the formula behind each verdict.

- ``extract``: the claims of a text (numbers with their units, periods, conventions), no database needed.
- ``vocabulary``: the words for each table, from its metadata (titles, aliases, measure and value labels).
- ``resolve``: which table, measure and cells each claim is about; an implicit subject carries over.
- ``verify``: the verdict (correct, wrong, ambiguous, unverifiable) against the indicators.
- ``render``: a terminal table, JSON, and HTML with the text annotated.
"""

from citystat.claims.check import Checker, Report, check_text
from citystat.claims.extract import detect_language, extract
from citystat.claims.model import Claim, ClaimKind, Reading, Status, Verdict

__all__ = ["Checker", "Claim", "ClaimKind", "Reading", "Report", "Status", "Verdict", "check_text",
           "detect_language", "extract"]
