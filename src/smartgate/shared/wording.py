"""Words a user reads (a refusal, a notice) kept apart from their values, so that each reader
gets them in their own language and on their own clock.

The English text with {placeholders} is also the message id in the web's catalogs; a test
finds every `Wording("...")` in the source and checks that each language translates it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
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
    """English text with {placeholders} and the values that fill them."""

    text: str
    values: Mapping[str, Any]

    def __init__(self, text: str, **values: Any) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "values", values)

    def worded(self, translate: Translate = _as_is, clock: Clock = utc_clock) -> str:
        """The text in the language `translate` gives, times shown by `clock`."""
        return translate(self.text).format(
            **{name: _shown(value, translate, clock) for name, value in self.values.items()}
        )

    def __str__(self) -> str:
        return self.worded()


def _shown(value: Any, translate: Translate, clock: Clock) -> Any:
    if isinstance(value, datetime):
        return clock(value)
    if isinstance(value, Wording):
        return value.worded(translate, clock)
    return value
