"""Units of activity data, converted with pint and never by hand.

Conversion factors are cached per pair of units: an import of 100,000 lines asks for the same
handful of pairs again and again, and pint's parser is the slow part.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pint

UNITS: pint.UnitRegistry[float] = pint.UnitRegistry(cache_folder=None)
# Spellings found in energy statistics and utility exports.
UNITS.define("m3 = meter ** 3")
UNITS.define("Nm3 = meter ** 3")
UNITS.define("Sm3 = meter ** 3")
# Money, for data such as the value of food delivered to schools; never converted to another
# currency here.
UNITS.define("EUR = [currency]")

_ALIASES = {
    "l": "liter",
    "L": "liter",
    "ltr": "liter",
    "t": "tonne",
    "kt": "kilotonne",
    "Mt": "megatonne",
    # UN/CEFACT Recommendation 20 common codes
    "MWH": "MWh",
    "KWH": "kWh",
    "GWH": "GWh",
    "GJ": "GJ",
    "TJ": "TJ",
    "LTR": "liter",
    "MTQ": "m3",
    "TNE": "tonne",
    "KGM": "kilogram",
    "KMT": "kilometer",
}


class UnitError(ValueError):
    pass


def normalise(unit: str) -> str:
    unit = unit.strip()
    return _ALIASES.get(unit, unit)


# what a unit's name can be made of; anything else is refused before pint's parser sees it
UNIT_TEXT = re.compile(r"[\w .*/^()°%µ²³-]{1,40}")
# A unit expression pint may read: names (``kWh``, ``m3``, ``°C``, ``%``), ``*``, ``/`` and
# parentheses, and numbers only as a small exponent (``m**3``, ``s^-1``) or the ``1`` of
# ``1/h``. pint evaluates numbers as Python does, so ``9**9**9`` would keep a server busy for
# hours; ``kWh/0`` divides by zero. Neither reaches it.
_TOKEN = re.compile(r"\s*(?:(?P<name>[^\W\d][\w°µ²³]*|°|%)|(?P<power>\*\*|\^)"
                    r"|(?P<op>[*/()])|(?P<number>-?\d+))")
MAX_EXPONENT_DIGITS = 2


@lru_cache(maxsize=1024)
def parse_unit(unit: str) -> pint.Unit:
    text = normalise(unit)
    if not UNIT_TEXT.fullmatch(text) or not _safe_expression(text):
        raise UnitError(f"unknown unit {unit!r}")
    try:
        return UNITS.Unit(text)
    # pint's expression parser fails in several ways on malformed text (an assertion, a
    # division by zero in "kWh/0", a tokenizer error...): every one is an unknown unit
    except Exception as exc:  # noqa: BLE001
        raise UnitError(f"unknown unit {unit!r}") from exc


def _safe_expression(text: str) -> bool:
    """Whether ``text`` is a unit expression of the shape above, with balanced parentheses."""
    kinds: list[str] = []
    pos = depth = 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            return False
        kind = m.lastgroup or ""
        token = m.group(kind)
        if kind == "number":
            after_power = bool(kinds) and kinds[-1] == "power"
            leading_one = not kinds and token == "1"
            if not (after_power and len(token.lstrip("-")) <= MAX_EXPONENT_DIGITS
                    or leading_one):
                return False
        if kind == "power" and (not kinds or kinds[-1] == "power"
                                or kinds[-2:-1] == ["power"]):
            return False  # a power of a power of a number: 2**3**4
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                return False
        kinds.append(kind)
        pos = m.end()
    return depth == 0 and bool(kinds)


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """How many ``to_unit`` make one ``from_unit``; UnitError if they measure different things."""
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if src.dimensionality != dst.dimensionality:
        raise UnitError(
            f"unit {from_unit!r} ({_kind(src)}) cannot be converted to {to_unit!r} ({_kind(dst)})"
        )
    return float(UNITS.Quantity(1.0, src).to(dst).magnitude)


def convert(amount: float, from_unit: str, to_unit: str) -> float:
    if from_unit == to_unit:
        return amount
    return amount * conversion_factor(from_unit, to_unit)


_KINDS = (("energy", "J"), ("mass", "kg"), ("volume", "m**3"), ("distance", "m"),
          ("power", "W"), ("time", "s"), ("area", "m**2"))


def _kind(unit: pint.Unit) -> str:
    for name, ref in _KINDS:
        if unit.dimensionality == UNITS.get_dimensionality(ref):
            return name
    return str(unit.dimensionality) or "a count"
