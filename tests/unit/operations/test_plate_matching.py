"""Camera plate reads matched to the trucks a gate expects: costs, index, scores, decisions,
and the match rates on 10,000 realistic trucks read with every kind of camera misread."""

import math
import random
from collections import Counter

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from smartgate.declarations.containers import parse_container
from smartgate.declarations.plates import parse_plate
from smartgate.operations import misreads
from smartgate.operations.matching import (
    AUTO_MARGIN,
    AUTO_SCORE,
    CONFUSION_COST,
    EDIT_COST,
    PROVINCE_COST,
    REVIEW_LIST,
    Decision,
    Expected,
    PlateIndex,
    Read,
    decide,
    distance,
    near_skeletons,
    skeleton,
    within,
)

SEED = 2026
CLEAR = 0.9  # the confidence of a clear read from a fixed gate camera
SAMPLE = 2_000  # reads per kind of misread
SINGLE_MISREADS = ("exact", *misreads.CONFUSION_KINDS, *misreads.LAYOUT_KINDS)


def one_read(text: str, confidence: float = CLEAR, containers: tuple[str, ...] = ()) -> Decision:
    return decide([Read(text, confidence, containers)], INDEX)


def index_of(*plates: str) -> PlateIndex:
    return PlateIndex(Expected(plate, plate) for plate in plates)


# 12C-123.45 among neighbours one full edit away, and 桂F12345 beside a truck from Yunnan.
INDEX = index_of("12C-123.45", "12C-123.46", "12C-128.45", "14C-123.45", "桂F12345", "桂F12845")

plates = st.builds(
    lambda seed, vietnamese: (misreads.vn_plate if vietnamese else misreads.cn_plate)(
        random.Random(seed)
    ),
    st.integers(0, 2**32),
    st.booleans(),
)
# Plate-like text: a province character or none, then letters, digits and separators.
plate_text = st.builds(
    str.__add__,
    st.sampled_from(["", "桂", "挂", "云"]),
    st.text(alphabet="0123456789ABCDEFGHLOQSZ-.· ", max_size=10),
)


# The examples cameras give at the gate.


@pytest.mark.parametrize("text", ["12C-123.45", "12C12345", "12C-I23.4S", "I2C-123.45"])
def test_a_vietnamese_plate_is_matched_through_separators_and_look_alikes(text):
    decision = one_read(text)
    assert decision.automatic
    assert decision.key == "12C-123.45"


@pytest.mark.parametrize("text", ["桂F12345", "F12345", "挂F12345", "桂F1234S", "桂 F·12345"])
def test_a_chinese_plate_is_matched_without_its_province_or_with_a_look_alike(text):
    decision = one_read(text)
    assert decision.automatic
    assert decision.key == "桂F12345"


def test_a_plain_one_character_error_finds_the_truck_but_leaves_it_to_an_operator():
    # 7 is no look-alike of 3: the read may as well be an unexpected truck 12C-127.45.
    decision = one_read("12C-127.45")
    assert not decision.automatic and decision.key is None
    assert "12C-123.45" in {c.plate for c in decision.candidates}
    assert decision.score < one_read("12C-I23.45").score


def test_the_costs_of_each_kind_of_difference():
    assert distance("12C-123.45", "12C-123.45") == 0
    assert distance("12C 123 45", "12C-123.45") == 0
    assert distance("12C-I23.45", "12C-123.45") == pytest.approx(CONFUSION_COST)
    assert distance("12C-I23.4S", "12C-123.45") == pytest.approx(2 * CONFUSION_COST)
    assert distance("F12345", "桂F12345") == pytest.approx(PROVINCE_COST)
    assert distance("挂F12345", "桂F12345") == pytest.approx(PROVINCE_COST)
    assert distance("12C-127.45", "12C-123.45") == EDIT_COST
    assert distance("12C-1234.5", "12C-123.45") == 0  # a dot in the wrong place is still a dot
    assert distance("12C-123.456", "12C-123.45") == EDIT_COST
    assert distance("12C-123.4", "12C-123.45") == EDIT_COST
    assert distance("HF12345", "桂F12345") == EDIT_COST  # the province read as a letter
    assert distance("桂12C12345", "12C-123.45") == EDIT_COST  # no camera habit


def test_the_skeleton_is_what_cameras_cannot_tell_apart():
    assert skeleton("12C-123.45") == skeleton("12C12345") == skeleton("I2C-I23.4S") == "12C12345"
    assert skeleton("桂F1234S") == skeleton("F12345") == skeleton("粤F12345") == "F12345"
    assert skeleton("ｂ８") == "88"  # full-width and lower-case letters are read as they look


# Costs, for any plate.


@given(plates, st.data())
def test_separators_anywhere_cost_nothing(plate, data):
    positions = data.draw(st.lists(st.integers(0, len(plate)), max_size=4))
    spaced = plate
    for at in sorted(positions, reverse=True):
        spaced = spaced[:at] + data.draw(st.sampled_from("-. ·\t")) + spaced[at:]
    assert distance(spaced, plate) == 0
    assert skeleton(spaced) == skeleton(plate)


@given(plates, st.randoms(use_true_random=False), st.sampled_from(misreads.KINDS))
def test_each_kind_of_misread_costs_what_the_costs_say(plate, rng, kind):
    text = misreads.misread(plate, rng, kind)
    if text is None:
        return
    expected = {"lost_province": PROVINCE_COST, "wrong_province": PROVINCE_COST}
    expected |= dict.fromkeys(misreads.CONFUSION_KINDS, CONFUSION_COST)
    expected |= dict.fromkeys(misreads.PLAIN_KINDS, EDIT_COST)
    assert distance(text, plate) == pytest.approx(expected.get(kind, 0.0))


@given(plate_text, plate_text)
def test_plates_cameras_can_tell_apart_are_at_least_one_full_edit_apart(one, other):
    if skeleton(one) != skeleton(other):
        assert distance(one, other) >= EDIT_COST


@given(plate_text, plate_text)
def test_the_weighted_distance_is_never_more_than_plain_edits(one, other):
    assert distance(one, other) <= _levenshtein(_no_separators(one), _no_separators(other))


def _no_separators(text: str) -> str:
    return "".join(ch for ch in text if ch not in "-.· ")


def _levenshtein(one: str, other: str) -> int:
    previous = list(range(len(other) + 1))
    for i, char in enumerate(one, start=1):
        current = [i]
        for j, other_char in enumerate(other, start=1):
            change = previous[j - 1] + (char != other_char)
            current.append(min(change, previous[j] + 1, current[j - 1] + 1))
        previous = current
    return previous[-1]


# The index.


def test_trucks_come_and_go():
    index = index_of("12C-123.45", "桂F12345")
    assert len(index) == 2
    index.add(Expected("12C-123.45", "14C-999.99"))  # the same declaration, its plate amended
    assert len(index) == 2
    assert index.candidates(Read("12C-123.45", CLEAR)) == []
    assert [c.key for c in index.candidates(Read("14C-999.99", CLEAR))] == ["12C-123.45"]
    index.discard("12C-123.45")
    index.discard("never expected")
    assert len(index) == 1
    assert index.candidates(Read("14C-999.99", CLEAR)) == []


@settings(max_examples=50, deadline=None)
@given(st.lists(plate_text, min_size=1, max_size=40), plate_text)
def test_the_index_finds_every_truck_a_full_scan_finds_within_two_edits(declared, text):
    assume(skeleton(text))  # a read of nothing but separators and a province matches nothing
    index = PlateIndex(Expected(str(i), plate) for i, plate in enumerate(declared))
    found = {c.key for c in index.candidates(Read(text, CLEAR), limit=len(declared))}
    near = {str(i) for i, plate in enumerate(declared) if distance(text, plate) < 2 * EDIT_COST}
    assert near <= found


# Where a gate looks trucks up: a read's own skeleton first, the near ones for review.

# Reads with a stray CJK character anywhere, as a camera may give them.
any_read = st.text(alphabet="0123456789ABCDEFGHLOQSZ-.· 桂云挂", max_size=12)


@given(plates, any_read)
def test_only_a_truck_whose_skeleton_is_the_reads_is_closer_than_a_full_edit(plate, text):
    # Every other truck is a full edit away at least, closeness 0.5 at most: below AUTO_SCORE,
    # so the look-up of the read's own skeleton finds every truck it may match automatically.
    if distance(text, plate) < EDIT_COST:
        assert skeleton(text) == skeleton(plate)


@given(plates, any_read)
def test_the_near_skeletons_hold_every_truck_the_index_lists_within_a_full_edit(plate, text):
    # What a gate looks up for a read in review: what the index over every trip would list.
    listed = PlateIndex([Expected(plate, plate)]).candidates(Read(text, CLEAR))
    if listed and distance(text, plate) <= EDIT_COST:
        assert skeleton(plate) in near_skeletons(text)


def test_the_near_skeletons_are_one_edit_away_and_no_further():
    near = near_skeletons("12C-345.61")
    for plate in ("12C-345.67", "12C-345.6", "12C-345.612", "桂12C34561", "I2C-345.61"):
        assert skeleton(plate) in near
    assert skeleton("12C-345.76") not in near  # two edits: an operator types that one in
    assert near_skeletons("-.·") == set() == near_skeletons("1" * 40)


@given(any_read, any_read, st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.5]))
def test_within_answers_as_the_distance_does(one, other, bound):
    assert within(one, other, bound) == (distance(one, other) <= bound)


# Scores and decisions.


def test_two_trucks_cameras_cannot_tell_apart_need_a_container_to_pick_one():
    five = Expected("five", "桂F12345", ("CSQU3054383",))
    ess = Expected("ess", "桂F1234S", ("MSCU1234566",))
    index = PlateIndex([five, ess])
    for text in ("桂F12345", "桂F1234S", "F12345"):
        assert not decide([Read(text, CLEAR)], index).automatic
    witnessed = decide([Read("桂F1234S", CLEAR, ("CSQU 305438 3",))], index)
    assert witnessed.automatic and witnessed.key == "five"


@given(plates, st.randoms(use_true_random=False), st.sampled_from(misreads.CONFUSION_KINDS))
def test_an_exact_read_is_not_enough_between_plates_one_look_alike_apart(plate, rng, kind):
    look_alike = misreads.misread(plate, rng, kind)
    if look_alike is None:
        return
    index = index_of(plate, look_alike)
    assert not decide([Read(plate, 1.0)], index).automatic
    assert not decide([Read(look_alike, 1.0)], index).automatic


def test_a_declared_container_raises_the_score_and_another_lowers_it():
    index = PlateIndex([Expected("t", "12C-123.45", ("CSQU3054383",))])
    plain = decide([Read("12C-123.45", 0.6)], index)
    witnessed = decide([Read("12C-123.45", 0.6, ("CSQU3054383",))], index)
    contradicted = decide([Read("12C-123.45", CLEAR, ("MSCU1234566",))], index)
    misread_container = decide([Read("12C-123.45", CLEAR, ("MSCU1234567",))], index)
    assert not plain.automatic and witnessed.automatic
    assert contradicted.score < misread_container.score == one_read("12C-123.45").score
    assert not contradicted.automatic


def test_a_container_never_makes_a_plain_plate_error_automatic():
    # A declared container on a tractor one real character away may be a swapped tractor.
    index = PlateIndex([Expected("t", "12C-123.45", ("CSQU3054383",))])
    frames = [Read("12C-127.45", 1.0, ("CSQU3054383",))] * 5
    assert not decide(frames, index).automatic


def test_a_low_confidence_read_alone_goes_to_review_but_agreeing_frames_decide():
    assert not one_read("12C-123.45", 0.45).automatic
    assert not one_read("12C-123.45", 0.6).automatic
    frames = decide([Read("12C-123.45", 0.6), Read("12C12345", 0.6), Read("I2C123.45", 0.6)], INDEX)
    assert frames.automatic and frames.key == "12C-123.45"


def test_frames_that_disagree_between_two_trucks_go_to_review():
    frames = [Read("12C-123.45", CLEAR), Read("12C-128.45", CLEAR), Read("12C-123.45", CLEAR)]
    decision = decide(frames, INDEX)
    assert not decision.automatic
    assert {c.key for c in decision.candidates[:2]} == {"12C-123.45", "12C-128.45"}


def test_close_candidates_are_not_automatic():
    index = index_of("桂F12345", "云F12345")  # one province apart, and the province was lost
    decision = decide([Read("F12345", 1.0)], index)
    assert decision.candidates[0].score - decision.candidates[1].score < AUTO_MARGIN
    assert not decision.automatic


@settings(max_examples=50)
@given(st.integers(1, 20), st.floats(0, 1))
def test_frames_of_a_plain_error_never_add_up_to_an_automatic_match(frames, confidence):
    assert not decide([Read("12C-127.45", confidence)] * frames, INDEX).automatic


@given(plate_text, st.floats(0, AUTO_SCORE, exclude_max=True))
def test_one_read_less_confident_than_the_bar_is_never_automatic(text, confidence):
    assert not one_read(text, confidence).automatic


@given(plate_text, st.floats(0, 1), st.floats(0, 1))
def test_more_confidence_never_lowers_a_score(text, low, high):
    low, high = sorted((low, high))
    assert _scores(text, low).keys() == _scores(text, high).keys()
    for key, score in _scores(text, low).items():
        assert score <= _scores(text, high)[key]


def _scores(text: str, confidence: float) -> dict[str, float]:
    return {c.key: c.score for c in INDEX.candidates(Read(text, confidence), limit=len(INDEX))}


@given(st.lists(st.tuples(plate_text, st.floats(0, 1)), max_size=4))
def test_every_decision_keeps_its_own_rules(reads):
    decision = decide([Read(text, confidence) for text, confidence in reads], INDEX)
    _assert_well_formed(decision)


def _assert_well_formed(decision: Decision) -> None:
    scores = [c.score for c in decision.candidates]
    assert len(scores) <= REVIEW_LIST
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 1 for score in scores)
    assert decision.score == (scores[0] if scores else 0)
    assert (decision.key is not None) == decision.automatic
    if decision.automatic:
        assert decision.key == decision.candidates[0].key
        assert decision.score >= AUTO_SCORE
        runner_up = scores[1] if len(scores) > 1 else 0
        assert decision.score - runner_up >= AUTO_MARGIN


# Odd text never raises.


@pytest.mark.parametrize(
    "text", ["", " ", "-.·--", "桂", "\u200b", "🚚🚚", "x" * 100_000, "1" * 5_000, "ــــ"]
)
def test_text_that_is_no_plate_matches_nothing(text):
    decision = one_read(text)
    assert decision == Decision(None, 0.0, (), False)


def test_no_reads_decide_nothing():
    assert decide([], INDEX) == Decision(None, 0.0, (), False)


@given(
    st.text(alphabet=st.characters(blacklist_characters="\x00")),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.text(), max_size=3).map(tuple),
)
def test_any_text_confidence_or_containers_give_a_decision(text, confidence, containers):
    _assert_well_formed(one_read(text, confidence, containers))


@pytest.mark.parametrize("confidence", [math.nan, -1.0, 2.0, math.inf])
def test_a_confidence_out_of_bounds_is_taken_within_them(confidence):
    _assert_well_formed(one_read("12C-123.45", confidence))


# The generator of plates and misreads.


def test_the_generator_gives_the_same_trucks_and_misreads_for_a_seed():
    first, again = random.Random(SEED), random.Random(SEED)
    assert misreads.expected_trucks(first, 50) == misreads.expected_trucks(again, 50)
    assert [misreads.misread("12C-123.45", first, kind) for kind in misreads.KINDS] == [
        misreads.misread("12C-123.45", again, kind) for kind in misreads.KINDS
    ]


def test_the_generated_plates_are_plates_as_declared():
    rng = random.Random(SEED)
    for truck in misreads.expected_trucks(rng, 500):
        assert str(parse_plate(truck.plate)) == truck.plate
        assert all(parse_container(number) == number for number in truck.containers)


def test_a_misread_the_plate_has_no_room_for_is_none():
    rng = random.Random(SEED)
    assert misreads.misread("12C-123.45", rng, "lost_province") is None
    assert misreads.misread("桂F12345", rng, "dropped_separator") is None
    assert misreads.misread("桂F12345", rng, "G/6") is None
    with pytest.raises(ValueError, match="unknown kind"):
        misreads.misread("12C-123.45", rng, "smudge")


# Match rates on 10,000 trucks, many sharing a prefix like 12C or 桂F.


@pytest.fixture(scope="module")
def gate() -> tuple[list[Expected], PlateIndex]:
    trucks = misreads.expected_trucks(random.Random(SEED), 10_000)
    return trucks, PlateIndex(trucks)


def _outcomes(gate, kind: str, seed: int = SEED) -> Counter:
    trucks, index = gate
    rng, outcomes = random.Random(f"{seed}-{kind}"), Counter()
    unique = Counter(skeleton(truck.plate) for truck in trucks)
    while outcomes.total() < SAMPLE:
        truck = rng.choice(trucks)
        text = misreads.misread(truck.plate, rng, kind)
        if text is None or unique[skeleton(truck.plate)] > 1:
            continue  # trucks cameras cannot tell apart are the test above
        decision = decide([Read(text, CLEAR)], index)
        if not decision.automatic:
            outcomes["review"] += 1
        else:
            outcomes["right" if decision.key == truck.key else "wrong"] += 1
    return outcomes


@pytest.mark.parametrize("kind", SINGLE_MISREADS)
def test_single_misreads_are_matched_automatically(gate, kind):
    outcomes = _outcomes(gate, kind)
    assert outcomes["right"] >= (SAMPLE if kind == "exact" else 0.95 * SAMPLE)
    assert outcomes["wrong"] <= 0.001 * SAMPLE


@pytest.mark.parametrize("kind", misreads.PLAIN_KINDS)
def test_plain_errors_go_to_review(gate, kind):
    # A wrong match here is a read that is, letter for letter, another expected truck's plate.
    outcomes = _outcomes(gate, kind)
    assert outcomes["right"] == 0
    assert outcomes["wrong"] <= 0.005 * SAMPLE


def test_wrong_automatic_matches_stay_below_one_in_a_thousand_reads(gate):
    wrong = sum(_outcomes(gate, kind, seed=SEED + 1)["wrong"] for kind in misreads.KINDS)
    assert wrong <= 0.001 * SAMPLE * len(misreads.KINDS)


def test_plain_errors_still_list_the_truck(gate):
    trucks, index = gate
    rng = random.Random(SEED)
    for truck in rng.sample(trucks, 500):
        text = misreads.misread(truck.plate, rng, rng.choice(misreads.PLAIN_KINDS))
        assert truck.key in {c.key for c in decide([Read(text, CLEAR)], index).candidates}


def test_unexpected_trucks_are_never_matched_automatically(gate):
    trucks, index = gate
    rng = random.Random(SEED)
    known = {skeleton(truck.plate) for truck in trucks}
    automatic = tested = 0
    while tested < SAMPLE:
        # Half new plates, half a real character away from an expected one: the hard case.
        if tested % 2:
            plate = misreads.vn_plate(rng) if rng.random() < 0.6 else misreads.cn_plate(rng)
        else:
            plate = misreads.misread(rng.choice(trucks).plate, rng, "substitution")
        if skeleton(plate) in known:
            continue
        tested += 1
        automatic += decide([Read(plate, 1.0)], index).automatic
    assert automatic <= 0.001 * SAMPLE
