"""Vehicle plates of Viet Nam and China: parse, check and write them one canonical way."""

import re
import string
from dataclasses import dataclass
from typing import Literal

from smartgate.shared.validation import stray_character
from smartgate.shared.wording import Wording

# Letters Viet Nam leaves out of plate series because they read like digits.
_VN_SERIES = r"[A-HK-NPR-VX-Z][A-Z]?"
# [0-9], not \d: \d also matches Arabic-Indic, full-width and every other script's digits.
_VN_PLATE = re.compile(
    rf"^(?P<province>[0-9]{{2}})(?P<series>{_VN_SERIES})-?"
    r"(?P<number>[0-9]{3}\.?[0-9]{2}|[0-9]{4})$"
)
_CN_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_CN_TRAILER_MARK = "挂"
_CN_PLATE = re.compile(
    rf"^(?P<province>[{_CN_PROVINCES}])(?P<city>[A-HJ-NP-Z])"
    r"(?P<number>[A-HJ-NP-Z0-9]{5,6})$"
)
_CN_TRAILER = re.compile(
    rf"^(?P<province>[{_CN_PROVINCES}])(?P<city>[A-HJ-NP-Z])(?P<number>[A-HJ-NP-Z0-9]{{4}})"
    rf"{_CN_TRAILER_MARK}$"
)
# Every character a canonical plate may hold; the separators are the only ones a key drops.
_SEPARATORS = "-."
_ALPHABET = frozenset(
    string.digits + string.ascii_uppercase + _SEPARATORS + _CN_PROVINCES + _CN_TRAILER_MARK
)
# Upper-case ASCII only: str.upper() also turns 'ı' into 'I' and 'ß' into 'SS'.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_NO_SEPARATORS = str.maketrans("", "", _SEPARATORS)
TRAILER_SERIES = "R"

Country = Literal["VN", "CN"]


@dataclass(frozen=True)
class Plate:
    """A plate in canonical form, e.g. `12C-123.45` or `桂F12345`."""

    country: Country
    text: str

    def __str__(self) -> str:
        return self.text


class PlateError(ValueError):
    """The text is not a plate of the kind asked for; the message says why."""


def _tidy(text: str) -> str:
    # People type spaces, middle dots, en dashes and lower case; none of them change the plate.
    return re.sub(r"[\s·•]", "", text).replace("–", "-").translate(_ASCII_UPPER)


def parse_plate(text: str, *, trailer: bool = False) -> Plate:
    """Parse a Vietnamese or Chinese tractor (or trailer) plate into canonical form."""
    tidy = _tidy(text)
    if not tidy:
        raise PlateError(Wording("is empty"))
    if _is_cjk(tidy[0]) and tidy[0] not in _CN_PROVINCES:
        raise PlateError(
            Wording("{found} is not a Chinese province abbreviation", found=repr(tidy[0]))
        )
    stray = stray_character(tidy, _ALPHABET)
    if stray:
        raise PlateError(
            Wording(
                "has {found}: plates are written with the digits 0-9 and the letters A-Z"
                " (and a Chinese province abbreviation, and 挂 on trailers)",
                found=stray,
            )
        )
    if tidy[0] in _CN_PROVINCES:
        return _parse_cn(tidy, trailer=trailer)
    if tidy[0] in string.digits:
        return _parse_vn(tidy, trailer=trailer)
    raise PlateError(_expected(trailer))


def _is_cjk(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff"


def _expected(trailer: bool) -> Wording:
    if trailer:
        return Wording("is not a trailer plate like 12R-012.34 (Viet Nam) or 桂F1234挂 (China)")
    return Wording("is not a plate like 12C-123.45 or 12C-1234 (Viet Nam) or 桂F12345 (China)")


def _parse_vn(tidy: str, *, trailer: bool) -> Plate:
    match = _VN_PLATE.match(tidy)
    if match is None:
        raise PlateError(_expected(trailer))
    province, series, number = match["province"], match["series"], match["number"]
    if int(province) < 11:
        raise PlateError(
            Wording("province code {code} does not exist (codes run 11 to 99)", code=province)
        )
    if trailer and series != TRAILER_SERIES:
        raise PlateError(
            Wording(
                "series {series} is not a trailer series; trailers use R, like 12R-012.34",
                series=series,
            )
        )
    if not trailer and series == TRAILER_SERIES:
        raise PlateError(Wording("series R is for trailers; give the tractor's own plate"))
    digits = number.replace(".", "")
    body = f"{digits[:3]}.{digits[3:]}" if len(digits) == 5 else digits
    return Plate("VN", f"{province}{series}-{body}")


def _parse_cn(tidy: str, *, trailer: bool) -> Plate:
    pattern = _CN_TRAILER if trailer else _CN_PLATE
    match = pattern.match(tidy)
    if match is None:
        raise PlateError(_expected(trailer))
    return Plate("CN", tidy)


def plate_key(text: str) -> str:
    """The vehicle's key: the plate without separators, spaces or lower case. Every spelling
    of one plate shares it; nothing else is taken out, so two different plates never do."""
    return _tidy(text).translate(_NO_SEPARATORS)
