"""Time in one place: the database stores UTC, people see local time."""

from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7, no daylight saving
CN_TZ = ZoneInfo("Asia/Shanghai")  # UTC+8, no daylight saving
SIDE_TZ: dict[str, tzinfo] = {"VN": VN_TZ, "CN": CN_TZ}


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware datetime converted to UTC; naive values are taken as UTC (SQLite drops tz)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight of a date on a local clock, in UTC."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)
