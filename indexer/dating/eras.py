"""The table of Chinese reign eras (fixtures/reign_eras.json): loading, and era + year → CE."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

ERA_TABLE = Path(__file__).resolve().parents[2] / "fixtures" / "reign_eras.json"


@dataclass(frozen=True)
class Era:
    dynasty: str  # slug, e.g. western-wei
    dynasty_zh: str
    pinyin: str
    name: str  # simplified characters
    name_traditional: str
    first_year: int  # CE year holding the era's first year (元年)
    last_year: int

    @property
    def length(self) -> int:
        return self.last_year - self.first_year + 1

    def year(self, n: int) -> int | None:
        """The CE year of year `n` of this era, or None when the era had no year n."""
        if 1 <= n <= self.length:
            return self.first_year + n - 1
        return None


class EraTableError(ValueError):
    """The era table is malformed (a missing field, or years out of order)."""


def parse_table(document: dict) -> tuple[Era, ...]:
    eras = []
    for i, row in enumerate(document.get("eras", [])):
        try:
            era = Era(
                row["dynasty"],
                row["dynasty_zh"],
                row["pinyin"],
                row["name"],
                row["name_traditional"],
                int(row["first_year"]),
                int(row["last_year"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise EraTableError(f"era {i}: missing or bad field {error}") from None
        if era.last_year < era.first_year:
            raise EraTableError(f"era {i} ({era.name}): last year before first year")
        eras.append(era)
    if not eras:
        raise EraTableError("the era table has no eras")
    return tuple(eras)


@functools.cache
def load_eras(path: Path = ERA_TABLE) -> tuple[Era, ...]:
    """Every era of the table at `path` (the fixture by default), in table order."""
    return parse_table(json.loads(Path(path).read_text(encoding="utf-8")))
