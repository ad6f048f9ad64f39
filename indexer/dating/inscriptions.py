"""Era + year phrases in inscription text (OCR or corrected): 大统四年 → 538.

Traditional and simplified forms are read alike (大統/大统), and Chinese year
numerals: 元年, 十一年, 二十三年, 廿三年, 十有六年, 卅年, 卌年. A year beyond the
era's length is not a date. Names that several states used (贞观: Tang 627–649,
Western Xia 1101–1113) give every reading, unless a dynasty named just before
the era (大唐贞观, 大夏贞观) picks one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .eras import Era, load_eras

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
TENS = {"十": 10, "廿": 20, "卄": 20, "卅": 30, "丗": 30, "卌": 40}
# variants that are not traditional forms of the era names' characters: financial numerals,
# and the dynasties named before an era
VARIANTS = dict(zip("壹貳贰叁參肆伍陸柒捌玖拾兩", "一二二三三四五六七八九十两", strict=True))
VARIANTS |= dict(zip("涼晉漢後", "凉晋汉后", strict=True))

# a dynasty named before the era -> the dynasties it can mean
DYNASTY_HINTS = {
    "代": ("northern-wei",),
    "魏": ("northern-wei", "western-wei"),
    "周": ("northern-zhou", "wu-zhou", "later-zhou"),
    "隋": ("sui",),
    "唐": ("tang", "later-tang"),
    "梁": ("later-liang",),
    "晋": ("later-jin",),
    "汉": ("later-han",),
    "宋": ("northern-song",),
    "夏": ("western-xia",),
    "元": ("yuan",),
    "凉": ("former-liang", "northern-liang", "western-liang", "later-liang-16"),
    "秦": ("former-qin",),
}
HINT_WINDOW = 4  # characters before the era searched for a dynasty's name


@dataclass(frozen=True)
class Reading:
    era: Era
    year: int  # CE


@dataclass(frozen=True)
class InscriptionDate:
    text: str  # the phrase as written, e.g. 大統四年
    era_name: str  # simplified
    year_in_era: int
    readings: tuple[Reading, ...]
    start: int  # offset of the phrase in the text

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({r.year for r in self.readings}))

    @property
    def year(self) -> int | None:
        """The CE year when the phrase has one reading; None when it is ambiguous."""
        years = self.years
        return years[0] if len(years) == 1 else None


def read_numeral(text: str) -> int | None:
    """A year numeral: 元 → 1, 十一 → 11, 二十三 / 廿三 → 23, 卅 → 30; None if unreadable."""
    if text == "元":
        return 1
    if "有" in text:  # 十有六: the classical "ten and six"
        before, _, after = text.partition("有")
        if not before or before[-1] not in TENS or not after:
            return None
        text = before + after
    if not text:
        return None
    total, digit, seen_ten = 0, None, False
    for char in text:
        if char in DIGITS:
            if digit is not None:
                return None  # two digits in a row (二三) is not a year
            digit = DIGITS[char]
        elif char in TENS:
            if seen_ten:
                return None
            ten = TENS[char]
            total += (digit if digit is not None else 1) * ten if ten == 10 else ten
            if ten != 10 and digit is not None:
                return None  # 二廿 is not a numeral
            digit, seen_ten = None, True
        else:
            return None
    total += digit or 0
    return total or None


@functools.cache
def _tables(eras: tuple[Era, ...]) -> tuple[dict[str, str], re.Pattern, dict[str, list[Era]]]:
    chars = dict(VARIANTS)
    by_name: dict[str, list[Era]] = {}
    for era in eras:
        chars |= {t: s for t, s in zip(era.name_traditional, era.name, strict=True) if t != s}
        by_name.setdefault(era.name, []).append(era)
    names = "|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True))
    numeral = "[元〇零一二两三四五六七八九十廿卄卅丗卌有]{1,5}"
    pattern = re.compile(f"({names})({numeral})年")
    return chars, pattern, by_name


def normalise(text: str, eras: tuple[Era, ...] | None = None) -> str:
    """Text with traditional and variant characters replaced by the simplified ones, one for one
    (offsets are kept)."""
    chars, _, _ = _tables(eras or load_eras())
    return "".join(chars.get(c, c) for c in text)


def _hinted(readings: list[Reading], before: str) -> list[Reading]:
    for char in reversed(before):
        dynasties = DYNASTY_HINTS.get(char)
        if dynasties:
            kept = [r for r in readings if r.era.dynasty in dynasties]
            if kept:
                return kept
    return readings


def find_dates(text: str, eras: tuple[Era, ...] | None = None) -> list[InscriptionDate]:
    """Every era + year phrase of `text` that names a year the era had, in reading order."""
    eras = eras or load_eras()
    _, pattern, by_name = _tables(eras)
    plain = normalise(text, eras)
    found = []
    for match in pattern.finditer(plain):
        name, numeral = match.group(1), match.group(2)
        n = read_numeral(numeral)
        if n is None:
            continue
        readings = [Reading(e, y) for e in by_name[name] if (y := e.year(n)) is not None]
        before = plain[max(0, match.start() - HINT_WINDOW) : match.start()]
        readings = _hinted(readings, before)
        if readings:
            phrase = text[match.start() : match.end()]
            found.append(InscriptionDate(phrase, name, n, tuple(readings), match.start()))
    return found
