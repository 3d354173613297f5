"""Camera plate reads matched to the trucks a gate expects, weighted by how cameras misread.

ANPR cameras confuse look-alike characters (O/0, B/8, S/5 ...), drop or add separators and lose
or misread the Chinese province character. The distance between a read and a declared plate
therefore charges little for those (`CONFUSION_COST`, `PROVINCE_COST`), nothing for separators
and a full `EDIT_COST` for any other substitution, insertion or deletion.

Every plate is indexed by its `skeleton` (separators and province dropped, look-alikes folded
onto one character) and by each skeleton with one character deleted (symmetric delete, as in
SymSpell), so a read looks up about ten keys and scores only that shortlist, whatever the number
of expected trucks. The shortlist holds every truck within one full edit of the read. Only a
truck whose skeleton is a read's own can be matched automatically (any other is a full edit
away, closeness 0.5 at most), so a gate looks those up first and the rest of the shortlist, at
`near_skeletons`, only for a read an operator will see.

A candidate's score is the camera's evidence for it (its confidence, the closeness of the text,
several frames adding up, containers read witnessing for or against), but never more than the
closeness of its best read: frames of one passage repeat one misreading, so they add
confidence, never closeness. A decision is automatic only when the best score is high and well
clear of the second.
"""

import math
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate

from smartgate.declarations.containers import ContainerError, parse_container

# Character pairs cameras confuse, both ways round; each letter folds onto its digit.
CONFUSIONS = ("O0", "D0", "Q0", "I1", "L1", "B8", "S5", "Z2", "G6", "A4")
CONFUSION_COST = 0.2  # a look-alike is the commonest misread, far likelier than a real difference
PROVINCE_COST = 0.3  # the province character is small and often lost or read as another
EDIT_COST = 1.0  # any other change: as likely a different truck as a misread

# One full edit makes a read half as close as an exact one; a confusion barely moves it
# (0.5 ** 0.04 = 0.97), so cheap costs stay cheap and full edits stand apart.
_CLOSENESS_BASE = 0.5

# Automatic needs one clear read (camera confidence 0.8, even with a look-alike or the province
# lost) or two agreeing middling ones (two at 0.5). It sits above the closeness of one full edit
# (0.5), so a read one real character away from a truck never matches it, however many frames.
AUTO_SCORE = 0.75
# An exact read of one of two plates a look-alike (or the province) apart scores them 0.03 to
# 0.06 apart, two look-alikes apart 0.11: below the margin, so only a witness (a container)
# picks one. A single misread (cost 0.3 at most) stands 0.44 x confidence above any truck one
# full edit away, well above it.
AUTO_MARGIN = 0.2
# A declared container read at the gate removes half the remaining doubt about the truck.
CONTAINER_WITNESS = 0.5
# A valid container number the truck did not declare (a misread one rarely has a right check
# digit) halves the evidence for it.
CONTAINER_CONTRADICTION = 0.5
REVIEW_LIST = 5  # candidates an operator is shown

# Costs are sums of tenths, rounded to 6 places: a row this much over a bound may still end on it.
_ROUNDING = 1e-6
# The longest plate has 10 characters; text three times as long is no plate.
_LONGEST_READ = 32
_FOLD = str.maketrans({letter: digit for letter, digit in CONFUSIONS})
# Upper-case ASCII only: str.upper() also turns 'ß' into 'SS'.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
# What a declared plate's skeleton is made of: digits and the letters no look-alike folds onto
# a digit (a declared plate's only other character, its province, is no part of it).
_SKELETON_CHARACTERS = sorted(set((string.digits + string.ascii_uppercase).translate(_FOLD)))


@dataclass(frozen=True)
class Expected:
    """A truck the gate expects."""

    key: str  # the declaration id, as text
    plate: str  # tractor plate as declared, e.g. "12C-123.45"
    containers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Read:
    """One camera read."""

    plate: str  # raw text the camera produced
    confidence: float  # the camera's own confidence, 0..1
    containers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A truck a read may be, with how likely (0..1)."""

    key: str
    plate: str
    score: float


@dataclass(frozen=True)
class Decision:
    """What one passage's reads mean: the truck when automatic, else a list to review."""

    key: str | None  # the matched truck when automatic, else None
    score: float  # the best candidate's combined score (0 if none)
    candidates: tuple[Candidate, ...]  # best first, at most REVIEW_LIST
    automatic: bool  # confident and unambiguous: the system may act alone


@dataclass(frozen=True)
class _Plate:
    # A plate as the costs see it: without separators, folded beside it, and whether it begins
    # with a province character.
    text: str
    folded: str
    province: bool

    @property
    def skeleton(self) -> str:
        return self.folded[1:] if self.province else self.folded

    @cached_property
    def characters(self) -> Counter[str]:
        return Counter(self.folded)


@dataclass(frozen=True)
class _Truck:
    expected: Expected
    plate: _Plate
    containers: frozenset[str]


def _tidy(text: str) -> str:
    # NFKC turns full-width letters and digits into ASCII; punctuation, spaces and control
    # characters (dash, dot, middle dot, ...) are separators, which cost nothing.
    normal = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in normal if unicodedata.category(ch)[0] not in "PZC")
    return kept.translate(_ASCII_UPPER)


def _is_cjk(character: str) -> bool:
    return "\u3400" <= character <= "\u9fff"


@lru_cache(maxsize=4096)
def _plate(text: str) -> _Plate:
    # Cached: a gate compares the same few hundred plates and reads over and over.
    tidy = _tidy(text)
    return _Plate(tidy, tidy.translate(_FOLD), bool(tidy) and _is_cjk(tidy[0]))


def skeleton(plate: str) -> str:
    """The plate as cameras cannot tell it apart: no separators, no leading province
    character, look-alike letters folded onto their digits (`桂F1234S` gives `F12345`)."""
    return _plate(plate).skeleton


def _cost(read: _Plate, declared: _Plate, bound: float = math.inf) -> float:
    # Weighted Levenshtein over a dozen characters at most, two rows at a time. The declared
    # province is the first column: losing it, or reading another CJK character, is cheap.
    # Every alignment crosses every row, so once a whole row costs more than `bound`, so does
    # the end: infinity, without the rows left.
    if read.text == declared.text:
        return 0.0
    losses = [PROVINCE_COST if declared.province else EDIT_COST]
    losses += [EDIT_COST] * (len(declared.text) - 1)
    previous = [0.0, *accumulate(losses)]
    for i, (char, fold) in enumerate(zip(read.text, read.folded, strict=True), start=1):
        current = [i * EDIT_COST]
        for j, (other, other_fold) in enumerate(
            zip(declared.text, declared.folded, strict=True), start=1
        ):
            if char == other:
                change = 0.0
            elif fold == other_fold:
                change = CONFUSION_COST
            elif j == 1 and declared.province and _is_cjk(char):
                change = PROVINCE_COST
            else:
                change = EDIT_COST
            current.append(
                min(
                    previous[j - 1] + change,
                    previous[j] + EDIT_COST,
                    current[j - 1] + losses[j - 1],
                )
            )
        if min(current) > bound + _ROUNDING:
            return math.inf
        previous = current
    return round(previous[-1], 6)


def near_skeletons(read: str) -> set[str]:
    """The skeletons one substitution, insertion or deletion from a read's, its own included
    (look-alikes, separators and the province fold away): where the trucks the index lists
    for it within one full edit are to be found. None for text the index looks nothing up
    for."""
    if len(read) > _LONGEST_READ:
        return set()
    text = skeleton(read)
    if not text:
        return set()
    near = {text}
    for i in range(len(text) + 1):
        head, tail = text[:i], text[i:]
        near.update(head + character + tail for character in _SKELETON_CHARACTERS)
        if tail:
            near.add(head + tail[1:])
            near.update(head + character + tail[1:] for character in _SKELETON_CHARACTERS)
    return near


def distance(read: str, plate: str) -> float:
    """The weighted edit distance from a camera read to a declared plate: 0 when the same."""
    return _cost(_plate(read), _plate(plate))


def within(read: str, plate: str, bound: float) -> bool:
    """Whether a read is at most `bound` from a plate (`distance`, given up on as soon as it
    is sure to be more)."""
    one, other = _plate(read), _plate(plate)
    # A full edit changes at most two characters of the folded text (one out, one in), the
    # province at most two more (it is changed once at most), a look-alike none: texts more
    # characters apart are further than `bound`, which their counts tell at a fraction of
    # the cost of the alignment.
    most = 2 * math.floor(bound / EDIT_COST) + 2
    a, b = one.characters, other.characters
    if (a - b).total() + (b - a).total() > most:
        return False
    return _cost(one, other, bound) <= bound


def closeness(cost: float) -> float:
    """1 for an exact read, 0.5 at one full edit, fading fast beyond."""
    return _CLOSENESS_BASE ** (cost * cost)


def _deletions(text: str) -> set[str]:
    # The text and each way of deleting one character: two plates one edit apart share one.
    return {text} | {text[:i] + text[i + 1 :] for i in range(len(text))}


def _container_keys(numbers: Iterable[str]) -> frozenset[str]:
    # Folded, so a container read with a look-alike still witnesses.
    return frozenset(_tidy(number).translate(_FOLD) for number in numbers)


def _valid_containers(numbers: Iterable[str]) -> frozenset[str]:
    valid = set()
    for number in numbers:
        try:
            valid.add(parse_container(number))
        except ContainerError:
            continue
    return _container_keys(valid)


class PlateIndex:
    """The trucks a gate expects, indexed so a read scores only the few plates near it."""

    def __init__(self, expected: Iterable[Expected] = ()) -> None:
        self._trucks: dict[str, _Truck] = {}
        self._keys_by_variant: dict[str, set[str]] = {}
        for truck in expected:
            self.add(truck)

    def add(self, truck: Expected) -> None:
        """Expect a truck; one already expected under the same key is replaced."""
        self.discard(truck.key)
        plate = _plate(truck.plate)
        self._trucks[truck.key] = _Truck(truck, plate, _container_keys(truck.containers))
        for variant in _deletions(plate.skeleton):
            self._keys_by_variant.setdefault(variant, set()).add(truck.key)

    def discard(self, key: str) -> None:
        """Stop expecting a truck; nothing happens if it was not expected."""
        truck = self._trucks.pop(key, None)
        if truck is None:
            return
        for variant in _deletions(truck.plate.skeleton):
            keys = self._keys_by_variant[variant]
            keys.discard(key)
            if not keys:
                del self._keys_by_variant[variant]

    def __len__(self) -> int:
        return len(self._trucks)

    def candidates(self, read: Read, limit: int = REVIEW_LIST) -> list[Candidate]:
        """The trucks this one read may be, best first."""
        return self._ranked([read])[:limit]

    def _ranked(self, reads: Sequence[Read]) -> list[Candidate]:
        # Every truck near any of the reads, scored on all of them together.
        costs = [self._costs(read) for read in reads]
        numbers = [number for read in reads for number in read.containers]
        seen, valid = _container_keys(numbers), _valid_containers(numbers)
        ranked = []
        for key in set().union(*costs):
            truck = self._trucks[key]
            closest, doubt = 0.0, 1.0
            for read, read_costs in zip(reads, costs, strict=True):
                if key in read_costs:
                    close = closeness(read_costs[key])
                    closest = max(closest, close)
                    doubt *= 1 - _confidence(read) * close
            evidence = _with_containers(1 - doubt, truck, seen, valid)
            ranked.append(Candidate(key, truck.expected.plate, round(min(evidence, closest), 6)))
        ranked.sort(key=lambda candidate: (-candidate.score, candidate.key))
        return ranked

    def _costs(self, read: Read) -> dict[str, float]:
        # The cost of the read to every truck within one full edit of it (and a few more).
        if len(read.plate) > _LONGEST_READ:
            return {}
        plate = _plate(read.plate)
        if not plate.skeleton:
            return {}
        keys: set[str] = set()
        for variant in _deletions(plate.skeleton):
            keys |= self._keys_by_variant.get(variant, set())
        return {key: _cost(plate, self._trucks[key].plate) for key in keys}


def _confidence(read: Read) -> float:
    if math.isnan(read.confidence):
        return 0.0
    return min(1.0, max(0.0, read.confidence))


def _with_containers(
    evidence: float, truck: _Truck, seen: frozenset[str], valid: frozenset[str]
) -> float:
    if truck.containers & seen:
        return 1 - (1 - evidence) * (1 - CONTAINER_WITNESS)
    if valid:
        return evidence * CONTAINER_CONTRADICTION
    return evidence


def decide(reads: Sequence[Read], index: PlateIndex) -> Decision:
    """Several reads of one passage (video frames, two cameras) combine into one decision."""
    ranked = index._ranked(reads)
    if not ranked:
        return Decision(None, 0.0, (), False)
    best = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    automatic = best.score >= AUTO_SCORE and best.score - runner_up >= AUTO_MARGIN
    return Decision(
        best.key if automatic else None, best.score, tuple(ranked[:REVIEW_LIST]), automatic
    )
