"""Words a user reads (a refusal, a notice) kept apart from their values, so that each reader
gets them in their own language and on their own clock.

The English text with {placeholders} is also the message id in the web's catalogs; a test
finds every `Wording("...")` in the source and checks that each language translates it.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

Clock = Callable[[datetime], str]
Translate = Callable[[str], str]


def utc_clock(moment: datetime) -> str:
    """How English text for API clients and logs shows a time."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True, init=False)
class Wording:
    """English text with {placeholders} and the values that fill them, and a `code` that
    names the text for API clients that word it themselves (by default the text's words)."""

    text: str
    values: Mapping[str, Any]
    code: str

    def __init__(self, text: str, /, **values: Any) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "code", _code(text))

    @classmethod
    def as_is(cls, text: str, code: str = "value_error") -> "Wording":
        """Text no catalog holds (English from a library): every reader sees it as it is."""
        return cls("{reason}", reason=text).coded(code)

    def coded(self, code: str) -> "Wording":
        """The same words under another code (e.g. Pydantic's error type)."""
        copy = Wording(self.text, **self.values)
        object.__setattr__(copy, "code", code)
        return copy

    def params(self) -> dict[str, Any]:
        """The values as JSON takes them: times in ISO 8601, nested words in English."""
        return {name: _plain(value) for name, value in self.values.items()}

    def worded(self, translate: Translate = _as_is, clock: Clock = utc_clock) -> str:
        """The text in the language `translate` gives, times shown by `clock`."""
        return translate(self.text).format(
            **{name: _shown(value, translate, clock) for name, value in self.values.items()}
        )

    def __str__(self) -> str:
        return self.worded()


def reread(text: str, texts: Iterable[str]) -> "Wording | str":
    """English text stored in a column, as the Wording it was made from when it was made
    from one of `texts` (so a page words it again for its reader); else the text as it is."""
    for template in texts:
        parts = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, ...
        pattern = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        found = re.fullmatch(pattern, text, flags=re.DOTALL)
        if found:
            return Wording(template, **found.groupdict())
    return text


def _code(text: str) -> str:
    # "check digit should be {expected}, not {found}" -> "check_digit_should_be_expected_not_found"
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))[:80] or "refused"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def _shown(value: Any, translate: Translate, clock: Clock) -> Any:
    if isinstance(value, datetime):
        return clock(value)
    if isinstance(value, Wording):
        return value.worded(translate, clock)
    return value
