"""Realistic plates and the ways ANPR cameras misread them, to measure the plate matcher.

Everything is drawn from the `random.Random` passed in, so a seed gives the same trucks and the
same misreads in the tests and in a bench.
"""

import random
import string

from smartgate.declarations.containers import check_digit
from smartgate.operations.matching import CONFUSIONS, Expected, skeleton

# Kinds of misread: one look-alike swapped (either way), a separator dropped or added, the
# Chinese province character lost or read as another, one plain edit, or none at all.
CONFUSION_KINDS = tuple(f"{letter}/{digit}" for letter, digit in CONFUSIONS)
LAYOUT_KINDS = ("dropped_separator", "extra_separator", "lost_province", "wrong_province")
PLAIN_KINDS = ("substitution", "insertion", "deletion")
KINDS = ("exact", *CONFUSION_KINDS, *LAYOUT_KINDS, *PLAIN_KINDS)

# Trucks at the northern gates come mostly from Lạng Sơn (12), Quảng Ninh (14), Lào Cai (24),
# Hà Nội (29) and Hải Phòng (15), most in series C (lorries); a few keep 4-digit numbers.
_VN_PROVINCES = {"12": 30, "14": 15, "24": 10, "29": 15, "15": 10, "20": 5, "51": 5, "99": 10}
_VN_SERIES = {"C": 70, "D": 5, "H": 10, "LD": 10, "E": 5}
_VN_FOUR_DIGITS = 0.1
# Chinese trucks come mostly from Guangxi (桂) and Yunnan (云), each from a few cities.
_CN_CITIES = {"桂": "AFPNKB", "云": "AHGKM", "粤": "ABS", "湘": "AE", "川": "A", "贵": "A"}
_CN_WEIGHTS = {"桂": 55, "云": 25, "粤": 10, "湘": 4, "川": 3, "贵": 3}
_CN_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # plates leave out I and O
_CN_LETTER_IN_NUMBER = 0.3  # share of numbers with one letter, like 桂P·A1234
_CN_NEW_ENERGY = 0.05  # green plates: D or F and five more characters
# Characters read in place of 桂: look-alikes, and other provinces.
_OTHER_CJK = "挂柱佳娃圭粤云湘贵川赣闽"
_SEPARATORS = "-. ·"  # and the middle dot of Chinese plates
_CONTAINER_OWNERS = ("CSQ", "MSC", "MAE", "OOL", "CMA", "TGH", "TCL", "SEG", "EMC", "HLX")
_PLATE_CHARACTERS = string.ascii_uppercase + string.digits


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def vn_plate(rng: random.Random) -> str:
    """A Vietnamese truck plate as declared, e.g. `12C-123.45` or `14LD-1234`."""
    head = _weighted(rng, _VN_PROVINCES) + _weighted(rng, _VN_SERIES)
    if rng.random() < _VN_FOUR_DIGITS:
        return f"{head}-{rng.randrange(10_000):04d}"
    number = f"{rng.randrange(100_000):05d}"
    return f"{head}-{number[:3]}.{number[3:]}"


def cn_plate(rng: random.Random) -> str:
    """A Chinese truck plate as declared, e.g. `桂F12345`, `桂PA1234` or `桂AD12345`."""
    province = _weighted(rng, _CN_WEIGHTS)
    city = rng.choice(_CN_CITIES[province])
    if rng.random() < _CN_NEW_ENERGY:
        return f"{province}{city}{rng.choice('DF')}{rng.randrange(100_000):05d}"
    number = list(f"{rng.randrange(100_000):05d}")
    if rng.random() < _CN_LETTER_IN_NUMBER:
        number[rng.randrange(len(number))] = rng.choice(_CN_LETTERS)
    return f"{province}{city}{''.join(number)}"


def container_number(rng: random.Random) -> str:
    """A valid ISO 6346 container number, e.g. `CSQU3054383`."""
    first_ten = f"{rng.choice(_CONTAINER_OWNERS)}U{rng.randrange(1_000_000):06d}"
    return f"{first_ten}{check_digit(first_ten)}"


def expected_trucks(rng: random.Random, count: int, *, vn_share: float = 0.6) -> list[Expected]:
    """`count` trucks with distinct plates, Vietnamese and Chinese mixed, each with 0-2
    containers; keys are `t0`, `t1`, ..."""
    plates: dict[str, None] = {}  # a dict keeps the draw order, so the seed fixes the keys
    while len(plates) < count:
        plates[vn_plate(rng) if rng.random() < vn_share else cn_plate(rng)] = None
    return [
        Expected(f"t{i}", plate, tuple(container_number(rng) for _ in range(rng.randrange(3))))
        for i, plate in enumerate(plates)
    ]


def misread(plate: str, rng: random.Random, kind: str) -> str | None:
    """The plate as a camera might read it with one error of `kind` (see KINDS), or None when
    the plate has nothing that kind can change (no B or 8 for 'B/8', no province for a
    Vietnamese plate)."""
    if kind == "exact":
        return plate
    if kind in CONFUSION_KINDS:
        return _confused(plate, rng, kind.replace("/", ""))
    if kind == "dropped_separator":
        return _without_one(plate, rng, [i for i, ch in enumerate(plate) if ch in _SEPARATORS])
    if kind == "extra_separator":
        at = rng.randrange(1, len(plate))
        return plate[:at] + rng.choice(_SEPARATORS) + plate[at:]
    if kind == "lost_province":
        return plate[1:] if _has_province(plate) else None
    if kind == "wrong_province":
        others = _OTHER_CJK.replace(plate[0], "")
        return rng.choice(others) + plate[1:] if _has_province(plate) else None
    if kind in PLAIN_KINDS:
        return _plainly_edited(plate, rng, kind)
    raise ValueError(f"unknown kind of misread {kind!r}; the kinds are {', '.join(KINDS)}")


def _has_province(plate: str) -> bool:
    return bool(plate) and not plate[0].isascii()


def _confused(plate: str, rng: random.Random, pair: str) -> str | None:
    places = [i for i, ch in enumerate(plate) if ch in pair]
    if not places:
        return None
    at = rng.choice(places)
    swapped = pair[1] if plate[at] == pair[0] else pair[0]
    return plate[:at] + swapped + plate[at + 1 :]


def _without_one(plate: str, rng: random.Random, places: list[int]) -> str | None:
    if not places:
        return None
    at = rng.choice(places)
    return plate[:at] + plate[at + 1 :]


def _plainly_edited(plate: str, rng: random.Random, kind: str) -> str | None:
    # One change of a plate character (not the province, not a separator) that no look-alike
    # explains: 7 read as 1, a character lost, one too many.
    places = [i for i, ch in enumerate(plate) if ch in _PLATE_CHARACTERS]
    if kind == "deletion":
        return _without_one(plate, rng, places)
    if kind == "insertion":
        at = rng.randrange(1, len(plate) + 1)
        return plate[:at] + rng.choice(_PLATE_CHARACTERS) + plate[at:]
    at = rng.choice(places)
    unlike = [ch for ch in _PLATE_CHARACTERS if skeleton(ch) != skeleton(plate[at])]
    return plate[:at] + rng.choice(unlike) + plate[at + 1 :]
