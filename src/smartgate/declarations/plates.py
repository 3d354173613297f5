"""Vehicle plates of Viet Nam and China: parse, check and write them one canonical way."""

import re
from dataclasses import dataclass
from typing import Literal

# Letters Viet Nam leaves out of plate series because they read like digits.
_VN_SERIES = r"[A-HK-NPR-VX-Z][A-Z]?"
_VN_PLATE = re.compile(
    rf"^(?P<province>\d{{2}})(?P<series>{_VN_SERIES})-?(?P<number>\d{{3}}\.?\d{{2}}|\d{{4}})$"
)
_CN_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_CN_PLATE = re.compile(
    rf"^(?P<province>[{_CN_PROVINCES}])(?P<city>[A-HJ-NP-Z])"
    r"(?P<number>[A-HJ-NP-Z0-9]{5,6})$"
)
_CN_TRAILER = re.compile(
    rf"^(?P<province>[{_CN_PROVINCES}])(?P<city>[A-HJ-NP-Z])(?P<number>[A-HJ-NP-Z0-9]{{4}})挂$"
)
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
    # People type spaces, middle dots and lower case; none of them change the plate.
    return re.sub(r"[\s·•]", "", text).upper().replace("–", "-")


def parse_plate(text: str, *, trailer: bool = False) -> Plate:
    """Parse a Vietnamese or Chinese tractor (or trailer) plate into canonical form."""
    tidy = _tidy(text)
    if not tidy:
        raise PlateError("is empty")
    if tidy[0] in _CN_PROVINCES:
        return _parse_cn(tidy, trailer=trailer)
    if tidy[0].isdigit():
        return _parse_vn(tidy, trailer=trailer)
    if "\u4e00" <= tidy[0] <= "\u9fff":
        raise PlateError(f"{tidy[0]!r} is not a Chinese province abbreviation")
    raise PlateError(_expected(trailer))


def _expected(trailer: bool) -> str:
    if trailer:
        return "is not a trailer plate like 12R-012.34 (Viet Nam) or 桂F1234挂 (China)"
    return "is not a plate like 12C-123.45 or 12C-1234 (Viet Nam) or 桂F12345 (China)"


def _parse_vn(tidy: str, *, trailer: bool) -> Plate:
    match = _VN_PLATE.match(tidy)
    if match is None:
        raise PlateError(_expected(trailer))
    province, series, number = match["province"], match["series"], match["number"]
    if int(province) < 11:
        raise PlateError(f"province code {province} does not exist (codes run 11 to 99)")
    if trailer and series != TRAILER_SERIES:
        raise PlateError(
            f"series {series} is not a trailer series; trailers use R, like 12R-012.34"
        )
    if not trailer and series == TRAILER_SERIES:
        raise PlateError("series R is for trailers; give the tractor's own plate")
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
    """The plate with every separator removed: two spellings of one vehicle share a key."""
    return re.sub(r"[^0-9A-Z\u4e00-\u9fff]", "", _tidy(text))
