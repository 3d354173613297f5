"""Identity use-cases: create users, sign in, recognise a token."""

import time
from dataclasses import dataclass

from smartgate.identity import model
from smartgate.identity.schemas import Token, UserRead
from smartgate.identity.security import hash_password, make_token, read_token, verify_password
from smartgate.identity.tables import UserRow
from smartgate.shared.actor import Actor
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from smartgate.uow import UnitOfWork

# Nothing changes a user's role, company, gate or active flag in place today; whatever does must
# call forget_remembered_actors, and other processes catch up within the TTL.
ACTOR_TTL_SECONDS = 30.0
MAX_REMEMBERED_TOKENS = 10_000
_actors: dict[tuple[str, str], tuple[float, Actor]] = {}


class BadCredentials(DomainError):
    """Unknown user, wrong password or inactive account."""


@dataclass(frozen=True)
class NewUser:
    """What it takes to create a user."""

    username: str
    password: str
    role: str
    full_name: str
    company: str | None = None
    gate_id: str | None = None


DEMO_PASSWORD = "demo"
DEMO_USERS = (
    NewUser("driver1", DEMO_PASSWORD, "driver", "Nguyễn Văn An"),
    NewUser("driver2", DEMO_PASSWORD, "driver", "Hoàng Văn Bình"),
    NewUser("forwarder1", DEMO_PASSWORD, "forwarder", "Lê Thị Cúc", company="Xuân Cương Logistics"),
    NewUser("operator-huunghi", DEMO_PASSWORD, "operator", "Trần Minh Đức", gate_id="huu-nghi"),
    NewUser("operator-mongcai", DEMO_PASSWORD, "operator", "Phạm Thu Hà", gate_id="mong-cai"),
    NewUser(
        "authority-vn", DEMO_PASSWORD, "authority", "Ban Quản lý Khu KTCK Đồng Đăng – Lạng Sơn"
    ),
)


def create_user(*, uow: UnitOfWork, new: NewUser, demo: bool = False) -> UserRead:
    """Create a user with an argon2 hash; Conflict when the name is taken."""
    errors = model.check_new_user(
        username=new.username, role=new.role, password=new.password, gate_id=new.gate_id, demo=demo
    )
    if errors:
        raise ValidationFailed(errors)
    with uow:
        if uow.users.by_username(new.username) is not None:
            raise Conflict(f"user {new.username!r} already exists")
        if new.gate_id and uow.registry.get_gate(new.gate_id) is None:
            raise ValidationFailed([FieldError("gate_id", f"gate {new.gate_id!r} does not exist")])
        row = _row(new)
        uow.users.add(row)
        uow.commit()
        return UserRead.model_validate(row)


def _row(new: NewUser) -> UserRow:
    return UserRow(
        username=new.username,
        password_hash=hash_password(new.password),
        role=new.role,
        full_name=new.full_name,
        company=new.company,
        gate_id=new.gate_id,
        active=True,
        created_at=utcnow(),
    )


def ensure_demo_users(*, uow: UnitOfWork) -> list[str]:
    """Create the demo users that do not exist yet; return the names created."""
    with uow:
        existing = uow.users.by_usernames([u.username for u in DEMO_USERS])
        missing = [u for u in DEMO_USERS if u.username not in existing]
        for new in missing:
            uow.users.add(_row(new))
        uow.commit()
    return [u.username for u in missing]


def sign_in(*, uow: UnitOfWork, username: str, password: str, secret: str, minutes: int) -> Token:
    """A bearer token for valid credentials, or BadCredentials."""
    with uow:
        user = uow.users.by_username(username)
        stored_hash = user.password_hash if user and user.active else None
    if not verify_password(password, stored_hash):
        raise BadCredentials("wrong username or password")
    token = make_token(username=username, secret=secret, now=utcnow(), minutes=minutes)
    return Token(access_token=token, expires_in=minutes * 60)


def actor_for_username(*, uow: UnitOfWork, username: str) -> Actor:
    """The actor for an existing user (for the CLI and demo data), or NotFound."""
    with uow:
        user = uow.users.by_username(username)
        if user is None or not user.active:
            raise NotFound(f"user {username!r} does not exist or is inactive")
        return _actor(user)


def actor_for_token(*, uow: UnitOfWork, token: str, secret: str) -> Actor | None:
    """The active user a token belongs to, or None. A recognised token is remembered for
    ACTOR_TTL_SECONDS (never past its expiry): every API call carries one, and checking it
    and looking its user up each time cost more than many a use-case."""
    remembered = remembered_actor(uow=uow, token=token)
    if remembered is not None:
        return remembered
    claims = read_token(token, secret=secret)
    if claims is None:
        return None
    username, expires = claims
    with uow:
        user = uow.users.by_username(username)
        if user is None or not user.active:
            return None
        actor = _actor(user)
    if len(_actors) >= MAX_REMEMBERED_TOKENS:
        _actors.clear()  # expired entries pile up otherwise; forgetting costs one look-up each
    deadline = min(time.time() + ACTOR_TTL_SECONDS, expires)
    _actors[(uow.database, token)] = (deadline, actor)
    return actor


def remembered_actor(*, uow: UnitOfWork, token: str) -> Actor | None:
    """The actor of a token recognised in the last ACTOR_TTL_SECONDS and not expired since,
    or None; touches neither the database nor the signature (it was checked then)."""
    cached = _actors.get((uow.database, token))
    return cached[1] if cached is not None and cached[0] > time.time() else None


def forget_remembered_actors() -> None:
    """Forget recognised tokens (between tests that roll back, or after changing users)."""
    _actors.clear()


def _actor(user: UserRow) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,  # type: ignore[arg-type]
        company=user.company,
        gate_id=user.gate_id,
    )


def get_user(*, uow: UnitOfWork, username: str) -> UserRead:
    """One user by name, or NotFound."""
    with uow:
        row = uow.users.by_username(username)
        if row is None:
            raise NotFound(f"user {username!r} does not exist")
        return UserRead.model_validate(row)


def list_users(*, uow: UnitOfWork) -> list[UserRead]:
    """Every user, for authorities and the CLI."""
    with uow:
        return [UserRead.model_validate(row) for row in uow.users.list()]
