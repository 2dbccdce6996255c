"""Censored lab values: "<0.05", "ND", "未检出" kept as censored, never silently numbers.

A lab reports a value below its detection limit (DL) as "<0.05", "< 0.05", "＜0.05",
"0.05L" (the Chinese monitoring convention), "ND", "N.D.", "未检出", "<DL" or
"ND(0.05)". :func:`parse_cell` turns a cell into a :class:`Parsed` value: the number,
a flag (``""`` measured, ``"<"`` below the detection limit, ``">"`` above a reporting
limit) and the detection limit. A censored value is stored as *value = its detection
limit, flag = "<"* (a value column plus a flag column); when the detection limit is not
given in the cell (ND, 未检出, <DL) it comes from the sheet's detection-limit row or the
caller, else the value stays empty with its flag.

A number is put in place of a censored value only by :func:`substitute`, when a later
step (baseline statistics, interpolation) asks for it, with the rule it names:
``"dl/2"`` (half the detection limit, the default of those steps), ``"dl"``, ``"zero"``
or ``"dl/sqrt2"``. Callers record the rule in their provenance.

Examples
--------
>>> parse_cell("<0.05")
Parsed(value=0.05, flag='<', detection_limit=0.05)
>>> parse_cell("未检出", detection_limit=0.01).flag
'<'
>>> parse_cell("0.05L").detection_limit
0.05
>>> parse_cell(" 1.2e-3 ").value
0.0012
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

import numpy as np

RULES = {
    "dl/2": 0.5,
    "dl": 1.0,
    "zero": 0.0,
    "dl/sqrt2": 1.0 / math.sqrt(2.0),
}
"""Substitution rules: name -> multiple of the detection limit."""

DEFAULT_RULE = "dl/2"
"""Substitution used by baseline and interpolation unless the user picks another."""

FLAG_MEASURED = ""
FLAG_BELOW = "<"
FLAG_ABOVE = ">"

_ND_WORDS = (
    "nd",
    "n.d.",
    "n.d",
    "bdl",
    "<dl",
    "<lod",
    "<mdl",
    "<rl",
    "<loq",
    "<检出限",
    "未检出",
    "低于检出限",
    "检出限以下",
    "not detected",
    "below detection limit",
    "<检测限",
)
_MISSING_WORDS = (
    "-",
    "--",
    "—",
    "——",
    "/",
    "na",
    "n/a",
    "n.a.",
    "未测",
    "未检测",
    "未分析",
    "nan",
    "none",
    "null",
)
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_RE_NUMBER = re.compile(rf"^{_NUMBER}$")
_RE_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_RE_BELOW = re.compile(rf"^(?:<|≤|<=)\s*({_NUMBER})$")
_RE_ABOVE = re.compile(rf"^(?:>|≥|>=)\s*({_NUMBER})$")
_RE_L_SUFFIX = re.compile(rf"^({_NUMBER})\s*l$")
_RE_ND_WITH_DL = re.compile(
    rf"^(?:nd|未检出|n\.d\.?|bdl)\s*[(（\[]?\s*(?:<|≤|dl\s*=?|检出限\s*[:：]?)?\s*({_NUMBER})\s*[)）\]]?$"
)


@dataclass(frozen=True)
class Parsed:
    """A parsed lab cell.

    Attributes
    ----------
    value : float
        The measured value, or the detection limit of a censored value (NaN if unknown
        or missing).
    flag : str
        ``""`` measured, ``"<"`` below the detection limit, ``">"`` above a limit.
    detection_limit : float
        Detection limit for censored values (NaN otherwise or if unknown).
    """

    value: float
    flag: str
    detection_limit: float

    @property
    def censored(self) -> bool:
        return self.flag != FLAG_MEASURED

    @property
    def missing(self) -> bool:
        return self.flag == FLAG_MEASURED and math.isnan(self.value)


class NotANumber(ValueError):
    """The cell holds text that is neither a number, a censored value nor 'missing'."""


class MissingMarker(NotANumber):
    """The cell holds a word or dash for "no value" ("n/a", "-", "—", "未测"): refused unless
    the caller accepts such markers as missing values (a blank cell is always missing)."""


MISSING_MARKERS = _MISSING_WORDS
"""The texts read as "no value" when the caller accepts them (normalised: lower case, NFKC)."""


def normalise_text(text: str) -> str:
    """NFKC (full-width to half-width), lower case, spaces collapsed and trimmed."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = t.replace("\u00a0", " ").replace("，", ",")
    return re.sub(r"\s+", " ", t)


def parse_number(text: str) -> float:
    """A plain number ("0.05", "1.2E-3", "1,234.5"); raises :class:`NotANumber`."""
    t = normalise_text(text).replace(" ", "")
    if _RE_NUMBER.match(t):
        return float(t)
    if _RE_THOUSANDS.match(t):
        return float(t.replace(",", ""))
    raise NotANumber(text)


def parse_cell(cell, detection_limit: Optional[float] = None, accept_missing_markers: bool = False) -> Parsed:
    """Parse one lab cell.

    Parameters
    ----------
    cell : str, float, int or None
        The cell as read from CSV (text) or XLSX (number or text).
    detection_limit : float, optional
        Detection limit of the column (from a DL row or the caller), used for "ND".
    accept_missing_markers : bool
        Read "n/a", "-", "—", "未测" and the other :data:`MISSING_MARKERS` as a missing
        value; by default they raise :class:`MissingMarker` (a lab's "n/a" may hide a
        result it forgot, so it is never dropped silently). A blank cell is missing.

    Raises
    ------
    MissingMarker
        For a missing-value marker, unless ``accept_missing_markers``.
    NotANumber
        For text that is not a number, a censored value or a missing marker.

    Examples
    --------
    >>> parse_cell("n/a", accept_missing_markers=True).missing
    True
    >>> parse_cell("—")
    Traceback (most recent call last):
    ...
    ree_damage.core.lab.censored.MissingMarker: —
    """
    dl_default = float("nan") if detection_limit is None else float(detection_limit)
    if cell is None:
        return Parsed(float("nan"), FLAG_MEASURED, float("nan"))
    if isinstance(cell, (bool, np.bool_)):
        raise NotANumber(str(cell))
    if isinstance(cell, (int, float, np.integer, np.floating)):
        v = float(cell)
        return Parsed(v, FLAG_MEASURED, float("nan"))
    t = normalise_text(cell)
    if t == "":
        return Parsed(float("nan"), FLAG_MEASURED, float("nan"))
    if t in _MISSING_WORDS:
        if not accept_missing_markers:
            raise MissingMarker(str(cell))
        return Parsed(float("nan"), FLAG_MEASURED, float("nan"))
    compact = t.replace(" ", "")
    if _RE_NUMBER.match(compact) or _RE_THOUSANDS.match(compact):
        return Parsed(parse_number(compact), FLAG_MEASURED, float("nan"))
    for pattern, flag in ((_RE_BELOW, FLAG_BELOW), (_RE_ABOVE, FLAG_ABOVE), (_RE_L_SUFFIX, FLAG_BELOW)):
        m = pattern.match(compact)
        if m:
            v = float(m.group(1))
            return Parsed(v, flag, v if flag == FLAG_BELOW else float("nan"))
    m = _RE_ND_WITH_DL.match(compact)
    if m:
        v = float(m.group(1))
        return Parsed(v, FLAG_BELOW, v)
    if t in _ND_WORDS or compact in _ND_WORDS:
        return Parsed(dl_default, FLAG_BELOW, dl_default)
    raise NotANumber(str(cell))


def check_rule(rule: str) -> float:
    """The multiple of the detection limit for a substitution rule name."""
    key = str(rule).strip().lower()
    if key not in RULES:
        from ..common.errors import InputError

        raise InputError(
            f"unknown substitution rule {rule!r} for censored values; choose one of {', '.join(RULES)}"
        )
    return RULES[key]


def substitute(values, flags, rule: str = DEFAULT_RULE) -> np.ndarray:
    """Numbers for censored values, by an explicit rule (the caller records the rule).

    Parameters
    ----------
    values : array_like
        Value column: measured values, and the detection limit where censored.
    flags : array_like of str
        Flag column (``""``, ``"<"`` or ``">"``); None or NaN count as measured.
    rule : str
        ``"dl/2"``, ``"dl"``, ``"zero"`` or ``"dl/sqrt2"``; applies to ``"<"`` values.
        Values flagged ``">"`` keep their limit (a lower bound of the truth).

    Examples
    --------
    >>> substitute([0.2, 0.05, 0.1], ["", "<", "<"], "dl/2").tolist()
    [0.2, 0.025, 0.05]
    """
    factor = check_rule(rule)
    v = np.asarray(values, dtype=np.float64).copy()
    f = np.asarray([_flag(x) for x in flags], dtype=object)
    below = f == FLAG_BELOW
    v[below] = v[below] * factor
    return v


def censored_mask(flags) -> np.ndarray:
    """True where a flag marks a censored value ("<" or ">")."""
    return np.asarray([_flag(x) != FLAG_MEASURED for x in flags], dtype=bool)


def _flag(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return FLAG_MEASURED
    return str(x).strip()
