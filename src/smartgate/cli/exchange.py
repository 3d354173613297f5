"""`smartgate keys`, `smartgate peers`, `smartgate exchange`: the instance's key pair, the
other side's instances, and the messages between them."""

import json

import typer
from rich.markup import escape
from rich.table import Table

from smartgate.cli.common import administrator, console, settings, uow
from smartgate.cli.policy import local_date
from smartgate.config import key_file
from smartgate.exchange import keys as key_files
from smartgate.exchange import services, statistics
from smartgate.exchange.delivery import Courier
from smartgate.exchange.schemas import PeerCreate, PeerUpdate
from smartgate.shared.clock import utcnow
from smartgate.shared.validation import parse_or_fail

keys_app = typer.Typer(no_args_is_help=True, help="This instance's Ed25519 key pair.")
peers_app = typer.Typer(no_args_is_help=True, help="The other side's instances.")
exchange_app = typer.Typer(no_args_is_help=True, help="Messages with the other side.")


@keys_app.command()
def generate() -> None:
    """Make the key pair in SMARTGATE_KEY_FILE (default ./smartgate.key, mode 0600; never
    overwritten); prints the public key, for the other side, as the last line."""
    path = key_file()
    public = key_files.generate(path)
    console.print(f"private key written to {escape(str(path))} (readable by you only)")
    console.print("public key, to give the other side (smartgate peers add ... --public-key):")
    print(public)


@keys_app.command()
def show() -> None:
    """Print the public key of SMARTGATE_KEY_FILE."""
    print(key_files.public_text(key_files.load(key_file()).public_key()))


@peers_app.command("add")
def add_peer(
    name: str = typer.Argument(..., help="a short name for the other instance, e.g. cn-huu-nghi"),
    url: str = typer.Option(..., "--url", help="its address, e.g. https://gate.example.cn"),
    public_key: str = typer.Option(..., "--public-key", help="its `smartgate keys show`"),
) -> None:
    """Register the other side's instance (its messages are believed when its key signs
    them; this instance's go to its URL)."""
    data = parse_or_fail(PeerCreate, {"name": name, "url": url, "public_key": public_key})
    peer = services.add_peer(uow=uow(), data=data, by=administrator())
    console.print(f"peer [bold]{escape(peer.name)}[/bold] at {escape(peer.url)} registered")


@peers_app.command("update")
def update_peer(
    name: str = typer.Argument(..., help="the name it was registered with"),
    url: str | None = typer.Option(None, "--url", help="its new address"),
    public_key: str | None = typer.Option(None, "--public-key", help="its new public key"),
) -> None:
    """Give a registered peer its new address or public key (after it moved or made a new key
    pair); what waits in the outbox for it is sent there next."""
    data = parse_or_fail(PeerUpdate, {"url": url, "public_key": public_key})
    peer = services.update_peer(uow=uow(), name=name, data=data, by=administrator())
    console.print(f"peer [bold]{escape(peer.name)}[/bold] now at {escape(peer.url)}")


@peers_app.command("list")
def list_peers() -> None:
    """The registered peers and their last contact."""
    table = Table("name", "url", "public key", "last contact", "last error")
    for peer in services.peers(uow=uow()):
        table.add_row(
            escape(peer.name), escape(peer.url), peer.public_key,
            _when(peer.last_contact_at), escape(peer.last_error or ""),
        )  # fmt: skip
    console.print(table)


@exchange_app.command()
def send() -> None:
    """Deliver the outbox once, now, to every peer (the server does this by itself; this is
    for a server that is not running, or to not wait for its next try)."""
    courier = Courier(uow().session_factory, key_files.load(key_file()))
    try:
        taken = courier.deliver_all(due_only=False)
    finally:
        courier.client.close()
    for name, count in taken.items():
        console.print(f"{escape(name)}: {count} message(s) delivered")
    left = services.status(uow=uow(), actor=None, own_side=settings().side, public_key=None)
    pending = sum(peer.pending for peer in left.peers)
    if pending:
        console.print(
            f"[red]{pending} message(s) still pending[/red]: see smartgate exchange status"
        )
        raise typer.Exit(1)


@exchange_app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="print the status as JSON"),
) -> None:
    """Per peer: messages pending (and since when), delivered, failed, received, held back
    by a gap, the last contact and error; and the latest refused envelopes."""
    public = (
        key_files.public_text(key_files.load(key_file()).public_key())
        if key_file().exists()
        else None
    )
    found = services.status(uow=uow(), actor=None, own_side=settings().side, public_key=public)
    if as_json:
        print(json.dumps(found.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    table = Table(
        "peer",
        "pending",
        "behind since",
        "delivered",
        "failed",
        "received",
        "held",
        "gaps",
        "last contact",
        "last error",
    )
    for peer in found.peers:
        gaps = "; ".join(f"{s} {a}–{b}" for s, ranges in peer.gaps.items() for a, b in ranges)
        table.add_row(
            escape(peer.name), str(peer.pending), _when(peer.oldest_pending_at),
            str(peer.delivered), str(peer.failed), str(peer.received), str(peer.held),
            gaps, _when(peer.last_contact_at), escape(peer.last_error or ""),
        )  # fmt: skip
    console.print(table)
    if not found.peers:
        console.print("no peer registered: smartgate peers add NAME --url URL --public-key KEY")


def _when(moment: object) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment is not None else "—"


@exchange_app.command("statistics")
def send_statistics(
    day: str = typer.Option(
        None, "--date", help="the local day, YYYY-MM-DD (default: yesterday on this side)"
    ),
) -> None:
    """Write one day's statistics (trucks and gross tonnes by gate and direction) into the
    outbox for every peer; a day sent before is not sent again (the server sends yesterday's
    by itself shortly after midnight)."""
    side = settings().side
    now = utcnow()
    wanted = local_date(day, side) if day else statistics.yesterday(side, now)
    sent = statistics.send_statistics(uow=uow(), day=wanted, side=side, now=now)
    table = Table("gate", "direction", "trucks", "tonnes")
    for row in sent.payload["gates"]:
        table.add_row(row["gate_id"], row["direction"], str(row["trucks"]), f"{row['tonnes']:g}")
    console.print(table)
    if sent.sent_before:
        console.print(f"the statistics of {wanted} were sent before: nothing written")
    elif not sent.peers:
        console.print("no peer registered: smartgate peers add NAME --url URL --public-key KEY")
    else:
        console.print(f"the statistics of {wanted} are in the outbox for {sent.peers} peer(s)")
