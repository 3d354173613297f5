"""The other side's suspension notices read for this side's authority: what stops, as this
side names the direction, and the suspension form filled in to mirror one. Nothing is
mirrored by itself: the authority reads, checks and presses Suspend."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from smartgate.exchange.model import MIRRORED
from smartgate.exchange.schemas import MessageRead, PeerStatus
from smartgate.policy.schemas import SuspensionRead


@dataclass(frozen=True)
class Notice:
    """One suspension notice, with this side's direction and what the authority may do."""

    action: str  # set, lifted
    suspension: SuspensionRead
    direction: str | None  # as this side sees it: the sender's export is an import here
    peer: str
    received_at: datetime | None
    waiting: bool  # held until an earlier message of its stream comes
    lifted_since: bool  # a later notice lifted it
    mirror: str | None  # the authority's form filled in with it; None: nothing to mirror


def notices(
    messages: Iterable[MessageRead], gate_ids: list[str], tz: tzinfo, now: datetime
) -> list[Notice]:
    """The suspension notices among `messages` (newest first), each read in this side's
    terms; one whose payload this version cannot read is left out."""
    found = [(m, read) for m in messages if (read := _suspension(m)) is not None]
    lifted = {(m.peer, read.id) for m, read in found if m.payload.get("action") == "lifted"}
    shown = []
    for message, read in found:
        action = "lifted" if message.payload.get("action") == "lifted" else "set"
        later_lifted = action == "set" and (message.peer, read.id) in lifted
        direction = MIRRORED.get(read.direction) if read.direction else None
        ended = read.ends_at is not None and read.ends_at <= now
        mirrorable = action == "set" and not later_lifted and not ended
        shown.append(
            Notice(
                action=action, suspension=read, direction=direction, peer=message.peer,
                received_at=message.received_at, waiting=message.status == "held",
                lifted_since=later_lifted,
                mirror=mirror_path(read, direction, gate_ids, tz, now) if mirrorable else None,
            )
        )  # fmt: skip
    return shown


def _suspension(message: MessageRead) -> SuspensionRead | None:
    try:
        return SuspensionRead.model_validate(message.payload)
    except ValidationError:
        return None


def mirror_path(
    read: SuspensionRead, direction: str | None, gate_ids: list[str], tz: tzinfo, now: datetime
) -> str | None:
    """The authority page's address with its suspension form filled in as the notice says
    (a gate this side does not have: None). A start already past is left empty: now."""
    every_gate = read.gate_id is None
    gate = gate_ids[0] if every_gate and gate_ids else read.gate_id
    if gate not in gate_ids:
        return None
    query: list[tuple[str, str]] = [
        ("mirror", "1"),
        ("reason", read.reason),
        ("direction", direction or ""),
        ("hs_prefixes", " ".join(read.hs_prefixes)),
        *(("flags", flag) for flag in read.flags),
        ("starts_at", _local(read.starts_at, tz) if read.starts_at > now else ""),
        ("ends_at", _local(read.ends_at, tz) if read.ends_at else ""),
    ]
    if every_gate:
        query.append(("every_gate", "1"))
    return f"/authority/{gate}?{urlencode(query)}#suspensions"


def _local(moment: datetime, tz: tzinfo) -> str:
    # As a datetime-local field holds it: this side's wall clock, to the minute.
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def link_state(peer: PeerStatus) -> str:
    """In a word, how the link to a peer stands: unreachable (messages wait and the last
    attempt failed), sending, waiting for missing messages, or up to date."""
    if peer.pending and peer.last_error:
        return "unreachable"
    if peer.pending:
        return "sending"
    if peer.held:
        return "gap"
    return "current"


def cargo(manifest: dict[str, Any]) -> tuple[list[tuple[str, float | None]], list[str]]:
    """A manifest's goods as (HS code, gross kg) by line, and its kinds of goods; whatever
    the sender's version left out or wrote otherwise is skipped."""
    lines = manifest.get("goods")
    found = [
        (str(line.get("hs_code", "?")), _kg(line.get("gross_kg")))
        for line in (lines if isinstance(lines, list) else [])
        if isinstance(line, dict)
    ]
    flags = manifest.get("flags")
    return found, [str(flag) for flag in flags] if isinstance(flags, list) else []


def _kg(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
