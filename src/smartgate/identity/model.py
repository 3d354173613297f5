"""Pure identity rules: usernames, role bindings, password strength, sign-in throttling, and
whether a token still names an account."""

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from smartgate.shared.actor import AGENCIES, GATE_ROLES, ROLES
from smartgate.shared.errors import FieldError
from smartgate.shared.wording import Wording

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10

# Sign-in attempts are counted per account and per client address in fixed windows; a
# success gives its attempt back, so only failures (and sign-ins still being checked) count.
ATTEMPT_WINDOW = timedelta(minutes=15)
ACCOUNT_ATTEMPTS = 10
ADDRESS_ATTEMPTS = 50


def check_new_user(
    *,
    username: str,
    role: str,
    password: str,
    gate_id: str | None,
    company: str | None = None,
    agencies: tuple[str, ...] = (),
    demo: bool = False,
) -> list[FieldError]:
    """Faults in a new user: bad name, unknown role, operator or camera without gate, forwarder
    without company, agencies of anyone but an operator or of no such agency, weak password."""
    errors = []
    if not USERNAME.match(username):
        errors.append(
            FieldError(
                "username", Wording("use 2 to 80 lower-case letters, digits, dots, dashes or _")
            )
        )
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}"))
    if role in GATE_ROLES and not gate_id:
        errors.append(
            FieldError(
                "gate_id", f"a{'n' if role == 'operator' else ''} {role} is bound to one gate"
            )
        )
    if role not in GATE_ROLES and gate_id:
        errors.append(
            FieldError("gate_id", Wording("only operators and cameras are bound to a gate"))
        )
    errors += agency_faults(role, agencies)
    if role == "forwarder" and not (company and company.strip()):
        errors.append(FieldError("company", Wording("a forwarder works for a company; name it")))
    errors += check_password(password, demo=demo)
    return errors


def agency_faults(role: str, agencies: tuple[str, ...]) -> list[FieldError]:
    """Agencies are an operator's, and each one of the inspecting agencies."""
    if agencies and role != "operator":
        return [FieldError("agencies", Wording("only operators belong to an agency"))]
    unknown = sorted(set(agencies) - set(AGENCIES))
    if unknown:
        return [
            FieldError("agencies", f"{', '.join(unknown)}: must be among {', '.join(AGENCIES)}")
        ]
    return []


def check_password(password: str, *, demo: bool = False) -> list[FieldError]:
    """A password fault, if any: demo users share the password `demo`; real ones must not."""
    if not demo and len(password) < MIN_PASSWORD:
        return [
            FieldError(
                "password", Wording("must have at least {limit} characters", limit=MIN_PASSWORD)
            )
        ]
    return []


def attempt_keys(username: str, address: str) -> tuple[tuple[str, int], ...]:
    """The counters one sign-in attempt takes from, with their limits. No real username is
    longer than 80 characters, so a longer one shares its counter with its first 80."""
    return (
        (f"user:{username[:80]}", ACCOUNT_ATTEMPTS),
        (f"addr:{address[:45]}", ADDRESS_ATTEMPTS),
    )


def attempt_window(now: datetime) -> datetime:
    """The start of the attempt window `now` falls in."""
    size = ATTEMPT_WINDOW.total_seconds()
    return datetime.fromtimestamp(now.timestamp() // size * size, UTC)


def retry_after_seconds(now: datetime) -> int:
    """Whole seconds until the next attempt window opens (at least 1)."""
    left = attempt_window(now) + ATTEMPT_WINDOW - now
    return max(1, math.ceil(left.total_seconds()))


@dataclass(frozen=True)
class Account:
    """What decides whether a token (or a password) still opens an account."""

    active: bool
    demo: bool
    tokens_after: datetime | None


def opens(account: Account | None, *, demo_mode: bool) -> bool:
    """Whether the account may sign in at all: it exists, is switched on, and is not a demo
    account on an instance outside demo mode."""
    return account is not None and account.active and (demo_mode or not account.demo)


def token_stands(
    account: Account | None, *, issued_at: float, revoked: bool, demo_mode: bool
) -> bool:
    """Whether a well-signed, unexpired token still opens its account: not signed out, and
    issued after the account's password last changed."""
    if revoked or not opens(account, demo_mode=demo_mode):
        return False
    assert account is not None
    return account.tokens_after is None or issued_at >= account.tokens_after.timestamp()
