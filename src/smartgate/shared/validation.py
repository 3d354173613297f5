"""Validation every context shares: Pydantic's errors as our field errors (a dotted path and
a sentence), and the rules and types the schemas have in common."""

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, Field, ValidationError

from smartgate.shared.errors import FieldError, ValidationFailed
from smartgate.shared.wording import Wording

T = TypeVar("T")

# Where Pydantic puts the request part first, the user only cares about the field.
_REQUEST_PARTS = {"body", "query", "path", "header", "cookie"}


def field_path(loc: Sequence[Any]) -> str:
    """`('body', 'containers', 0)` becomes `containers.0`."""
    parts = list(loc)
    if parts and parts[0] in _REQUEST_PARTS:
        parts = parts[1:]
    # Tagged unions and function validators add names that are not fields.
    parts = [p for p in parts if not (isinstance(p, str) and p.startswith("function-"))]
    return ".".join(str(p) for p in parts) or "body"


def readable(error: dict[str, Any]) -> str:
    """Pydantic's message without its `Value error, ` prefix."""
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def field_errors(errors: Sequence[dict[str, Any]]) -> list[FieldError]:
    """One FieldError per Pydantic error: Pydantic's English, and its wording for pages."""
    return [FieldError(field_path(e.get("loc", ())), readable(e), worded(e)) for e in errors]


def worded(error: dict[str, Any]) -> Wording:
    """A Pydantic error as words a page shows in its reader's language, coded by its type
    (`less_than_equal`) with the values of its context (`limit`)."""
    kind = str(error.get("type", "value_error"))
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Wording):
        return cause.args[0]  # our own validators raise ValueError(Wording(...))
    wording = _typed(kind, ctx)
    return wording.coded(kind) if wording else Wording.as_is(readable(error), kind)


def _typed(kind: str, ctx: dict[str, Any]) -> Wording | None:
    # Pydantic's error types (pydantic.dev/errors) our forms can meet, in plain words.
    match kind:
        case "less_than_equal":
            return Wording("must be at most {limit}", limit=_number(ctx["le"]))
        case "greater_than_equal":
            return Wording("must be at least {limit}", limit=_number(ctx["ge"]))
        case "greater_than":
            return Wording("must be more than {limit}", limit=_number(ctx["gt"]))
        case "less_than":
            return Wording("must be less than {limit}", limit=_number(ctx["lt"]))
        case "int_parsing" | "int_from_float" | "int_type":
            return Wording("must be a whole number")
        case "float_parsing" | "float_type" | "finite_number":
            return Wording("must be a number")
        case "bool_parsing" | "bool_type":
            return Wording("must be yes or no")
        case "missing":
            return Wording("is required")
        case "string_too_long":
            return Wording("must be at most {limit} characters", limit=ctx["max_length"])
        case "string_too_short" if ctx.get("min_length") == 1:
            return Wording("is required")
        case "string_too_short":
            return Wording("must be at least {limit} characters", limit=ctx["min_length"])
        case "too_long":
            return Wording("must have at most {limit} items", limit=ctx["max_length"])
        case "too_short":
            return Wording("must have at least {limit} items", limit=ctx["min_length"])
        case "string_pattern_mismatch" | "string_type":
            return Wording("is not in the expected form")
        case "literal_error" | "enum":
            return Wording("must be one of {choices}", choices=_choices(ctx["expected"]))
        case "extra_forbidden":
            return Wording("is not a field of this form")
        case "uuid_parsing" | "uuid_type":
            return Wording("is not a valid id")
        case "datetime_parsing" | "datetime_from_date_parsing" | "datetime_type":
            return Wording("must be a date and time")
        case "date_parsing" | "date_from_datetime_parsing" | "date_type":
            return Wording("must be a date")
        case "timezone_aware":
            return Wording("needs a time zone, e.g. +07:00")
    return None


def _choices(expected: str) -> str:
    # Pydantic lists them as "'pass', 'hold' or 'fail'"; the page names them plainly.
    return expected.replace("'", "").replace(" or ", ", ")


def _number(value: Any) -> Any:
    # 720.0 reads (and goes to API clients) as 720; 0.5 stays 0.5.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def parse_or_fail(schema: type[T], data: Any) -> T:
    """Validate `data` against a Pydantic model, raising ValidationFailed with field paths."""
    try:
        return schema.model_validate(data)  # type: ignore[attr-defined, no-any-return]
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc.errors())) from None


def no_control_characters(text: str) -> str:
    """Refuse NUL and other control characters: no database or screen wants them."""
    if any(ord(ch) < 32 and ch not in "\t" for ch in text):
        raise ValueError(Wording("contains control characters"))
    return text


def stray_character(text: str, alphabet: Collection[str]) -> str | None:
    """The first character of `text` outside `alphabet`, named with its code point so that
    look-alikes (a full-width `２`, an Arabic-Indic `٥`) can be told apart; None if none."""
    stray = next((ch for ch in text if ch not in alphabet), None)
    return None if stray is None else f"{stray!r} (U+{ord(stray):04X})"


# Our row ids and line numbers are PostgreSQL `integer` columns. A bigger number names no
# row, and PostgreSQL refuses even to compare one with such a column ("integer out of range").
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _plausible_moment(value: datetime) -> datetime:
    # Year 1 or 9999 in another time zone overflows when turned to UTC; no trip is planned there.
    if not 2000 <= value.year <= 2100:
        raise ValueError(
            Wording("must be between the years {first} and {last}", first=2000, last=2100)
        )
    return value.astimezone(UTC)


Moment = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]
