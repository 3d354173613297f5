"""The HS 2022 goods nomenclature shipped with the package, searchable by code and words."""

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files


@dataclass(frozen=True)
class HSEntry:
    """One heading of the nomenclature: 2-digit chapter, 4-digit heading or 6-digit subheading."""

    code: str
    description: str
    parent: str | None
    section: str
    level: int
    names_vi: str = ""
    names_zh: str = ""


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, so `sau rieng` finds `sầu riêng`."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


class HSCatalog:
    """In-memory nomenclature: 7,000 rows load in milliseconds and answer in microseconds."""

    def __init__(self, entries: list[HSEntry]) -> None:
        self._by_code = {entry.code: entry for entry in entries}
        self._haystack = [
            (entry, fold(f"{entry.description} {entry.names_vi} {entry.names_zh}"))
            for entry in entries
        ]

    def get(self, code: str) -> HSEntry | None:
        """The entry for a code, or None."""
        return self._by_code.get(code)

    def is_subheading(self, code: str) -> bool:
        """True for an existing 6-digit code, the level a goods line must use."""
        entry = self._by_code.get(code)
        return entry is not None and entry.level == 6

    def search(self, query: str, *, limit: int = 20) -> list[HSEntry]:
        """Entries whose code starts with the digits of `query`, or whose text holds every word."""
        query = query.strip()
        if not query:
            return []
        if re.fullmatch(r"\d{1,6}", query):
            hits = [e for e, _ in self._haystack if e.code.startswith(query)]
            return hits[:limit]
        words = fold(query).split()
        hits = [e for e, text in self._haystack if all(_has_word(text, w) for w in words)]
        # Subheadings first: they are what a goods line needs.
        hits.sort(key=lambda e: (-e.level, e.code))
        return hits[:limit]


def _has_word(text: str, word: str) -> bool:
    # CJK has no spaces between words: a substring is the best one can do there.
    if not word.isascii():
        return word in text
    return re.search(rf"\b{re.escape(word)}", text) is not None


@lru_cache
def catalog() -> HSCatalog:
    """The shipped nomenclature, with Vietnamese and Chinese names for common border goods."""
    data = files("smartgate.registry") / "data"
    names = _local_names(data / "hs-names.csv")
    entries = []
    with (data / "harmonized-system.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code = row["hscode"]
            if row["section"] == "TOTAL" or not code.isdigit():
                continue  # aggregate rows, not goods
            vi, zh = names.get(code, ("", ""))
            entries.append(
                HSEntry(
                    code=code,
                    description=row["description"],
                    parent=None if row["parent"] == "TOTAL" else row["parent"],
                    section=row["section"],
                    level=len(code),
                    names_vi=vi,
                    names_zh=zh,
                )
            )
    return HSCatalog(entries)


def _local_names(path) -> dict[str, tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return {row["hscode"]: (row["vi"], row["zh"]) for row in csv.DictReader(handle)}
