"""Wordings: English for the API, any language and clock for the web."""

from datetime import UTC, datetime

from smartgate.shared.errors import Conflict
from smartgate.shared.wording import Wording

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
FRENCH = {"cannot book {slot}: {reason}": "réservation impossible {slot} : {reason}",
          "not usable": "inutilisable"}  # fmt: skip


def test_english_text_shows_times_on_utc():
    assert str(Wording("cannot book {slot}: {reason}", slot=AT, reason="x")) == (
        "cannot book 2026-12-01 02:00 UTC: x"
    )


def test_a_reader_gets_their_language_and_clock_down_to_nested_wordings():
    said = Wording("cannot book {slot}: {reason}", slot=AT, reason=Wording("not usable"))
    worded = said.worded(lambda text: FRENCH.get(text, text), lambda moment: f"{moment:%H}h")
    assert worded == "réservation impossible 02h : inutilisable"


def test_a_refusal_keeps_its_wording_and_reads_english():
    refused = Conflict(Wording("slot {slot} is full ({quota} places); pick another", slot=AT,
                               quota=3))  # fmt: skip
    assert str(refused) == "slot 2026-12-01 02:00 UTC is full (3 places); pick another"
    assert refused.wording is not None and refused.wording.values["quota"] == 3
    assert Conflict("plain {braces} stay as they are").wording is None
