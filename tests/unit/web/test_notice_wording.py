"""Notices are stored with their wording's id and values, and read in the reader's language."""

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from smartgate.queue.model import notice
from smartgate.queue.schemas import NoticeRead
from smartgate.shared.clock import CN_TZ, VN_TZ
from smartgate.web.i18n import translator
from smartgate.web.pages import worded

SLOT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TRUCK = SimpleNamespace(declaration_id=uuid.uuid4(), owner_id=1, plate="29H12345")


def _stored(text_id: str, **params) -> NoticeRead:
    return NoticeRead.model_validate(notice(TRUCK, text_id, SLOT, **params))


def test_the_stored_message_is_english_on_utc():
    moved = _stored("moved", slot=SLOT, new_slot=SLOT + timedelta(hours=1))
    assert moved.kind == "moved"
    assert moved.message == (
        "29H12345: capacity at 2026-12-01 02:00 UTC was reduced; your booking moved to "
        "2026-12-01 03:00 UTC"
    )


def test_a_notice_reads_in_the_readers_language_on_the_local_clock():
    moved = _stored("moved", slot=SLOT, new_slot=SLOT + timedelta(hours=1))
    assert worded(moved, VN_TZ, translator("vi")) == (
        "29H12345: năng lực thông quan lúc 2026-12-01 09:00 bị giảm; lịch hẹn của xe chuyển "
        "sang 2026-12-01 10:00"
    )
    assert worded(moved, CN_TZ, translator("zh")) == (
        "29H12345：2026-12-01 10:00 的通关能力已下调；您的预约已改至 2026-12-01 11:00"
    )
    called = _stored("called_to_lane", lane="L2")
    assert worded(called, VN_TZ, translator("en")) == "29H12345: go to the border to lane L2 now"


def test_a_notice_without_a_wording_id_shows_its_message():
    old = NoticeRead(
        declaration_id=TRUCK.declaration_id, plate="29H12345", kind="called",
        message="29H12345: go to the border now", created_at=SLOT,
    )  # fmt: skip
    assert worded(old, VN_TZ, translator("vi")) == "29H12345: go to the border now"
