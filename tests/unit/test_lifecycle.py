"""The trip's state machine: moves follow the table, a held trip resumes where it was."""

from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgate.shared.errors import Conflict
from smartgate.shared.lifecycle import (
    AMENDABLE,
    FINISHED,
    RESUMABLE,
    TRIP_TRANSITIONS,
    check_trip_move,
    coming_to,
)

STATES = sorted(TRIP_TRANSITIONS)


def _walk(targets: list[str]) -> tuple[str, str | None]:
    status, held_from = "declared", None
    for target in targets:
        allowed = target in TRIP_TRANSITIONS[status] and not (
            status == "held" and target in RESUMABLE and target != held_from
        )
        if allowed:
            check_trip_move(status, target, held_from)
            held_from = status if target == "held" else None
            status = target
        else:
            with pytest.raises(Conflict, match="allowed|resumes there"):
                check_trip_move(status, target, held_from)
    return status, held_from


@given(st.lists(st.sampled_from(STATES), max_size=12))
def test_moves_follow_the_table(targets):
    status, held_from = _walk(targets)
    assert status in TRIP_TRANSITIONS
    assert (status == "held") == (held_from is not None)


def test_an_illegal_move_names_the_allowed_ones():
    with pytest.raises(Conflict, match=r"a declared trip cannot become exited \(allowed: booked"):
        check_trip_move("declared", "exited")


def test_a_held_trip_resumes_only_where_it_was_held():
    check_trip_move("held", "in_yard", held_from="in_yard")
    with pytest.raises(Conflict, match="held at in_yard resumes there, not at cleared"):
        check_trip_move("held", "cleared", held_from="in_yard")
    check_trip_move("held", "rejected", held_from="in_yard")


def test_every_state_is_reached_from_declared_and_leads_to_an_end():
    seen, todo = {"declared"}, deque(["declared"])
    while todo:
        for onward in TRIP_TRANSITIONS[todo.popleft()]:
            if onward not in seen:
                seen.add(onward)
                todo.append(onward)
    assert seen == set(TRIP_TRANSITIONS)
    assert {"rejected", "exited", "cancelled", "expired"} == FINISHED
    assert "exited" not in coming_to("booked") and "handed_over" in coming_to("exited")


def test_a_trip_is_amended_only_before_its_call():
    assert {"declared", "booked", "waiting"} == AMENDABLE
    assert not AMENDABLE & {"called", "at_gate", "exited"}
