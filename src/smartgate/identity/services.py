"""Identity use-cases: users, sign-in (throttled), tokens, sign-out and switched-off accounts."""

import asyncio
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import IntegrityError

from smartgate.identity import model
from smartgate.identity import repository as tokens
from smartgate.identity.remembered import REMEMBER_SECONDS, Remembered, remembered_tokens
from smartgate.identity.schemas import Token, UserRead
from smartgate.identity.security import (
    hash_password,
    make_token,
    read_token,
    verify_password,
)
from smartgate.identity.tables import UserRow
from smartgate.shared.actor import AGENCIES, Actor
from smartgate.shared.audit import Changed
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork


class BadCredentials(DomainError):
    """Unknown user, wrong password, switched-off or demo account, or a void token."""


@dataclass(frozen=True)
class NewUser:
    """What it takes to create a user."""

    username: str
    password: str
    role: str
    full_name: str
    company: str | None = None
    gate_id: str | None = None
    agencies: tuple[str, ...] = ()


DEMO_PASSWORD = "demo"
# Who the audit log names for an account change when the caller does not say (the CLI does).
ADMINISTRATOR = "administrator"
DEMO_USERS = (
    NewUser("driver1", DEMO_PASSWORD, "driver", "Nguyễn Văn An"),
    NewUser("driver2", DEMO_PASSWORD, "driver", "Hoàng Văn Bình"),
    NewUser("forwarder1", DEMO_PASSWORD, "forwarder", "Lê Thị Cúc", company="Xuân Cương Logistics"),
    NewUser(
        "operator-huunghi",
        DEMO_PASSWORD,
        "operator",
        "Trần Minh Đức",
        gate_id="huu-nghi",
        agencies=AGENCIES,
    ),
    NewUser(
        "operator-mongcai",
        DEMO_PASSWORD,
        "operator",
        "Phạm Thu Hà",
        gate_id="mong-cai",
        agencies=AGENCIES,
    ),
    NewUser("camera-huunghi", DEMO_PASSWORD, "camera", "Camera feed, Hữu Nghị", gate_id="huu-nghi"),
    NewUser(
        "authority-vn", DEMO_PASSWORD, "authority", "Ban Quản lý Khu KTCK Đồng Đăng – Lạng Sơn"
    ),
)


# --- users ------------------------------------------------------------------------------


def create_user(
    *, uow: UnitOfWork, new: NewUser, demo: bool = False, by: str = ADMINISTRATOR
) -> UserRead:
    """Create a user with an argon2 hash; Conflict when the name is taken. A user made in
    demo mode is a demo account: it signs in only while the instance runs in demo mode."""
    errors = model.check_new_user(
        username=new.username,
        role=new.role,
        password=new.password,
        gate_id=new.gate_id,
        company=new.company,
        agencies=new.agencies,
        demo=demo,
    )
    if errors:
        raise ValidationFailed(errors)
    with uow:
        if uow.users.by_username(new.username) is not None:
            raise Conflict(Wording("user {username} already exists", username=repr(new.username)))
        if new.gate_id and uow.registry.get_gate(new.gate_id) is None:
            raise ValidationFailed(
                [
                    FieldError(
                        "gate_id", Wording("gate {gate} does not exist", gate=repr(new.gate_id))
                    )
                ]
            )
        row = _row(new, demo=demo)
        uow.users.add(row)
        uow.session.flush()
        _user_changed(uow, row, "user.created", by, None)
        uow.commit()
        return UserRead.model_validate(row)


def _row(new: NewUser, *, demo: bool) -> UserRow:
    now = utcnow()
    return UserRow(
        username=new.username,
        password_hash=hash_password(new.password),
        role=new.role,
        full_name=new.full_name,
        company=new.company.strip() if new.company else None,
        gate_id=new.gate_id,
        agencies=",".join(sorted(set(new.agencies))),
        active=True,
        demo=demo,
        created_at=now,
        # A token of an earlier account of the same name (deleted since) opens nothing.
        tokens_after=now,
    )


def ensure_demo_users(*, uow: UnitOfWork) -> list[str]:
    """Create the demo users that do not exist yet; return the names created."""
    with uow:
        existing = uow.users.by_usernames([u.username for u in DEMO_USERS])
        missing = [u for u in DEMO_USERS if u.username not in existing]
        for new in missing:
            row = _row(new, demo=True)
            uow.users.add(row)
            _user_changed(uow, row, "user.created", "smartgate (demo)", None)
        uow.commit()
    return [u.username for u in missing]


def disable_user(
    *, uow: UnitOfWork, username: str, token_minutes: int, by: str = ADMINISTRATOR
) -> UserRead:
    """Switch an account off: it cannot sign in, and its tokens stop working at once."""
    now = utcnow()
    with uow:
        row = _user_for_update(uow, username)
        before = UserRead.model_validate(row)
        row.active = False
        _void_tokens_of(uow, row, now, token_minutes)
        _user_changed(uow, row, "user.disabled", by, before)
        uow.commit()
        return UserRead.model_validate(row)


def set_password(
    *,
    uow: UnitOfWork,
    username: str,
    password: str,
    demo: bool,
    token_minutes: int,
    by: str = ADMINISTRATOR,
) -> UserRead:
    """Give an account a new password and switch it on; its earlier tokens stop working. Set
    outside demo mode, it also makes a demo account a real one."""
    errors = model.check_password(password, demo=demo)
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    with uow:
        row = _user_for_update(uow, username)
        before = UserRead.model_validate(row)
        row.password_hash = hash_password(password)
        row.active, row.tokens_after = True, now
        row.demo = row.demo and demo
        _void_tokens_of(uow, row, now, token_minutes)
        # The log says the password changed, never what it is.
        _user_changed(uow, row, "user.password_set", by, before)
        uow.commit()
        return UserRead.model_validate(row)


def delete_user(
    *, uow: UnitOfWork, username: str, token_minutes: int, by: str = ADMINISTRATOR
) -> None:
    """Delete an account that never declared anything; its tokens stop working at once."""
    now = utcnow()
    with uow:
        row = _user_for_update(uow, username)
        _void_tokens_of(uow, row, now, token_minutes)
        uow.publish(
            Changed(
                "user", username, "user.deleted", by, now, row.gate_id,
                before=UserRead.model_validate(row).model_dump(mode="json"),
            )
        )  # fmt: skip
        try:
            uow.users.remove(row)
        except IntegrityError as exc:  # trips or bookings refer to the account
            raise Conflict(
                f"{username} has trips or bookings on record; disable the account instead"
            ) from exc
        uow.commit()


def _user_changed(
    uow: UnitOfWork, row: UserRow, action: str, by: str, before: UserRead | None
) -> None:
    # Who changed which account, and how: the account's public fields (no password hash).
    uow.publish(
        Changed(
            "user", row.username, action, by, utcnow(), row.gate_id,
            before=before.model_dump(mode="json") if before else None,
            after=UserRead.model_validate(row).model_dump(mode="json"),
        )
    )  # fmt: skip


def _user_for_update(uow: UnitOfWork, username: str) -> UserRow:
    row = uow.users.by_username_for_update(username)
    if row is None:
        raise NotFound(Wording("user {username} does not exist", username=repr(username)))
    return row


def _void_tokens_of(uow: UnitOfWork, row: UserRow, now: datetime, token_minutes: int) -> None:
    # Every token of the user was issued within the last token lifetime.
    expires = now + timedelta(minutes=token_minutes)
    uow.users.log_credential_change(user_id=row.id, token_id=None, expires_at=expires, now=now)


def get_user(*, uow: UnitOfWork, username: str) -> UserRead:
    """One user by name, or NotFound."""
    with uow:
        row = uow.users.by_username(username)
        if row is None:
            raise NotFound(Wording("user {username} does not exist", username=repr(username)))
        return UserRead.model_validate(row)


def list_users(*, uow: UnitOfWork) -> list[UserRead]:
    """Every user, for authorities and the CLI."""
    with uow:
        return [UserRead.model_validate(row) for row in uow.users.list()]


def actor_for_username(*, uow: UnitOfWork, username: str, demo_mode: bool) -> Actor:
    """The actor for a user who may act now (for the CLI's --as and demo data), or NotFound."""
    with uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound(Wording("user {username} does not exist", username=repr(username)))
        if not user.active:
            raise NotFound(Wording("user {username} is switched off", username=repr(username)))
        if not model.opens(_account(user), demo_mode=demo_mode):
            raise NotFound(
                f"user {username!r} is a demo account; this instance is not in demo mode"
            )
        return _actor(user)


# --- signing in ---------------------------------------------------------------------------


async def sign_in(
    *,
    uow: UnitOfWork,
    username: str,
    password: str,
    address: str,
    secret: str,
    minutes: int,
    demo_mode: bool,
    hashing: Executor,
) -> Token:
    """A bearer token for valid credentials; BadCredentials otherwise, TooManyRequests when
    the account or the address failed too often lately. The password is checked on the
    `hashing` executor, so a burst of sign-ins never holds the threads other requests need;
    an unknown user costs the same work as a wrong password."""
    now = utcnow()
    stored = await to_thread.run_sync(
        partial(_take_attempts, uow, username, address, now, demo_mode)
    )
    loop = asyncio.get_running_loop()
    matched = await loop.run_in_executor(hashing, verify_password, password, stored)
    return await to_thread.run_sync(
        partial(_finish_sign_in, uow, username, address, now, matched, secret, minutes)
    )


def _take_attempts(
    uow: UnitOfWork, username: str, address: str, now: datetime, demo_mode: bool
) -> str | None:
    # Counted before the password is checked, so a burst of guesses at once gets no more
    # checks than the limit; the hash to check against, or None (no such account here).
    window = model.attempt_window(now)
    with uow:
        for key, limit in model.attempt_keys(username, address):
            if not uow.users.take_attempt(key, window, limit):
                raise TooManyRequests(
                    Wording("too many failed sign-ins; try again in {seconds} s",
                            seconds=model.retry_after_seconds(now)),
                    retry_after=model.retry_after_seconds(now),
                )  # fmt: skip
        uow.users.forget_attempts_before(window)
        user = uow.users.by_username(username)
        opens = user is not None and model.opens(_account(user), demo_mode=demo_mode)
        uow.commit()
    return user.password_hash if user is not None and opens else None


def _finish_sign_in(
    uow: UnitOfWork,
    username: str,
    address: str,
    now: datetime,
    matched: bool,
    secret: str,
    minutes: int,
) -> Token:
    if not matched:
        raise BadCredentials(Wording("wrong username or password"))
    window = model.attempt_window(now)
    with uow:  # a success does not count against the account or the address
        for key, _limit in model.attempt_keys(username, address):
            uow.users.give_back_attempt(key, window)
        uow.commit()
    token = make_token(username=username, secret=secret, now=utcnow(), minutes=minutes)
    return Token(access_token=token, expires_in=minutes * 60)


# --- tokens -------------------------------------------------------------------------------


def actor_for_token(*, uow: UnitOfWork, token: str, secret: str, demo_mode: bool) -> Actor | None:
    """The account a token opens, or None: well signed, unexpired, not signed out, issued
    after the last password change, and the account switched on. A recognised token is
    remembered: while the credentials version stays the same, one small query answers."""
    memory = remembered_tokens(uow.database)
    version = int(uow.committed_scalar(tokens.CREDENTIALS_VERSION))
    actor = memory.recall(token, version) if version == memory.version else None
    if actor is not None:
        return actor
    with uow.autocommit() as connection:
        if version > memory.version:
            memory.follow(version, tokens.credential_changes_after(connection, memory.version))
            actor = memory.recall(token, version)
            if actor is not None:
                return actor
        claims = read_token(token, secret=secret)
        if claims is None:
            return None
        found = tokens.account_for_token(connection, claims.username, claims.token_id)
    if found is None or not model.token_stands(
        _account(found), issued_at=claims.issued_at, revoked=found.revoked, demo_mode=demo_mode
    ):
        return None
    actor = _actor(found)
    until = min(time.time() + REMEMBER_SECONDS, claims.expires_at)
    memory.remember(token, Remembered(actor, claims.token_id, until), checked_at=found.version)
    return actor


def sign_out(*, uow: UnitOfWork, token: str, secret: str) -> None:
    """Revoke a token at once, in every process (nothing to do for a void one)."""
    claims = read_token(token, secret=secret)
    if claims is None:
        return
    now = utcnow()
    expires = datetime.fromtimestamp(claims.expires_at, UTC)
    with uow:
        found = uow.users.account_for_token(claims.username, claims.token_id)
        if found is None or found.revoked:
            return
        try:
            uow.users.log_credential_change(
                user_id=found.id, token_id=claims.token_id, expires_at=expires, now=now
            )
        except IntegrityError:  # a concurrent sign-out of the same token came first
            return
        uow.commit()


def _account(user: Any) -> model.Account:
    return model.Account(active=user.active, demo=user.demo, tokens_after=user.tokens_after)


def _actor(user: Any) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        company=user.company,
        gate_id=user.gate_id,
        agencies=frozenset(filter(None, user.agencies.split(","))),
    )
