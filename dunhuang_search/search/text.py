"""Text queries: structured words ("apsara high tang cave 220", "飞天 盛唐 第220窟") become filters;
the words left over are matched by keyword and trigram (pg_trgm) over names, notes and OCR text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest

from dunhuang_search.catalogue.models import Period, Site
from dunhuang_search.elements.models import Category, Element

STOPWORDS = {"a", "an", "the", "of", "in", "on", "at", "and", "with", "from", "to", "or", "wall"}
CAVE_PATTERNS = [
    re.compile(r"(?<!\w)(?:cave|caves|grotto|no\.?|#)\s*(\d{1,5})(?!\w)"),
    re.compile(r"第?\s*(\d{1,5})\s*(?:号窟|窟|号)"),
]
FUZZY_NAME = 0.5  # trigram word similarity at which a leftover word names a category or period
FUZZY_TEXT = 0.5  # ... at which it matches words in notes or OCR text


@dataclass
class ParsedText:
    text: str
    categories: list[Category] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    caves: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    @property
    def free_text(self) -> str:
        return " ".join(self.words)

    def as_dict(self) -> dict:
        return {
            "category": [c.slug for c in self.categories],
            "period": [p.slug for p in self.periods],
            "site": [s.slug for s in self.sites],
            "cave": self.caves,
            "words": self.words,
        }


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _is_cjk(phrase: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in phrase)


def _phrases(name: str) -> set[str]:
    """A name's spellings: as written, slug words spaced, and English plurals."""
    base = normalise(name)
    if not base:
        return set()
    forms = {base, base.replace("-", " "), re.sub(r"\s*\(.*?\)\s*", " ", base).strip()}
    for inner in re.findall(r"\((.*?)\)", base):  # "uyghur (huihu)" also answers to "huihu"
        forms.add(inner.strip())
    if not _is_cjk(base):
        forms |= {f + ("es" if f.endswith(("s", "sh", "ch", "x")) else "s") for f in set(forms)}
    return {f for f in forms if f}


def vocabulary() -> list[tuple[str, str, object]]:
    """(phrase, kind, object) for every category, period and site name, longest phrase first."""
    entries: list[tuple[str, str, object]] = []
    for category in Category.objects.all():
        for name in [category.slug, category.name, category.name_zh, *category.synonyms]:
            entries += [(p, "category", category) for p in _phrases(name)]
    for period in Period.objects.all():
        for name in [period.slug, period.name, period.name_zh]:
            entries += [(p, "period", period) for p in _phrases(name)]
    for site in Site.objects.all():
        for name in [site.slug, site.name, site.name_zh]:
            entries += [(p, "site", site) for p in _phrases(name)]
        short = normalise(site.name).removesuffix(" caves")  # "mogao" as well as "mogao caves"
        entries += [(p, "site", site) for p in _phrases(short)]
    return sorted(entries, key=lambda e: -len(e[0]))


def _pattern(phrase: str) -> re.Pattern:
    if _is_cjk(phrase):
        if len(phrase) == 1:  # 隋, 宋, 元 only standing alone, or as 隋代 / 宋朝
            return re.compile(rf"(?<!\w){re.escape(phrase)}(?:代|朝)?(?!\w)")
        return re.compile(re.escape(phrase))
    return re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])")


def parse_text(text: str) -> ParsedText:
    """Pull caves, categories, periods and sites out of the text; keep the other words."""
    rest = normalise(text)
    parsed = ParsedText(text=text)
    for pattern in CAVE_PATTERNS:
        for match in pattern.finditer(rest):
            parsed.caves.append(int(match.group(1)))
        rest = pattern.sub(" ", rest)
    found = {"category": parsed.categories, "period": parsed.periods, "site": parsed.sites}
    for phrase, kind, obj in vocabulary():
        pattern = _pattern(phrase)
        if pattern.search(rest):
            if obj not in found[kind]:
                found[kind].append(obj)
            rest = pattern.sub(" ", rest)
    parsed.caves = list(dict.fromkeys(parsed.caves))
    parsed.words = [w for w in re.split(r"[\s,;]+", rest) if w and w not in STOPWORDS]
    return parsed


def fuzzy_names(word: str) -> tuple[list[Category], list[Period]]:
    """Categories and periods whose names or synonyms a (misspelt) word resembles (pg_trgm)."""
    if len(word) < 4:
        return [], []
    categories = list(
        Category.objects.raw(
            "SELECT id FROM elements_category WHERE greatest(word_similarity(%s, name), "
            "word_similarity(%s, slug), (SELECT max(word_similarity(%s, s)) "
            "FROM unnest(synonyms) s)) >= %s",
            [word, word, word, FUZZY_NAME],
        )
    )
    periods = list(
        Period.objects.annotate(sim=TrigramWordSimilarity(word, "name")).filter(sim__gte=FUZZY_NAME)
    )
    return categories, periods


def keyword_matches(queryset: QuerySet[Element], words: list[str]) -> QuerySet[Element]:
    """Elements that match every leftover word somewhere: notes or OCR text (substring or
    trigram), the cave's name, or a category or period name the word resembles.
    Annotated with `text_score` in [0, 1]."""
    scores = []
    for i, word in enumerate(words):
        notes_sim, ocr_sim, cave_sim = f"_n{i}", f"_o{i}", f"_c{i}"
        queryset = queryset.annotate(
            **{
                notes_sim: TrigramWordSimilarity(word, "notes"),
                ocr_sim: TrigramWordSimilarity(word, "ocr_text"),
                cave_sim: TrigramWordSimilarity(word, "mural__cave__name"),
            }
        )
        categories, periods = fuzzy_names(word)
        names = Q(category__in=categories) | Q(mural__period__in=periods)
        queryset = queryset.filter(
            Q(notes__icontains=word)
            | Q(ocr_text__icontains=word)
            | Q(**{f"{notes_sim}__gte": FUZZY_TEXT})
            | Q(**{f"{ocr_sim}__gte": FUZZY_TEXT})
            | Q(**{f"{cave_sim}__gte": FUZZY_NAME})
            | names
        )
        substring = Q(notes__icontains=word) | Q(ocr_text__icontains=word)
        bonus = Case(
            When(substring, then=Value(1.0)),
            When(names, then=Value(0.8)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        scores.append(Greatest(F(notes_sim), F(ocr_sim), F(cave_sim), bonus))
    if not scores:
        return queryset.annotate(text_score=Value(1.0, output_field=FloatField()))
    total = scores[0]
    for score in scores[1:]:
        total = total + score
    return queryset.annotate(text_score=total / Value(float(len(scores))))
