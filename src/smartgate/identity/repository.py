"""The only place that queries the identity tables."""

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    Row,
    bindparam,
    delete,
    exists,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from smartgate.db import UTCDateTime, dialect_insert
from smartgate.identity.tables import (
    CredentialChangeRow,
    CredentialsStateRow,
    SignInAttemptRow,
    UserRow,
)

_TIME = UTCDateTime()
_USERS = UserRow.__table__
_STATE = CredentialsStateRow.__table__
_CHANGES = CredentialChangeRow.__table__
_ATTEMPTS = SignInAttemptRow.__table__

# Statements of every request's token check, built once; the first as plain SQL for
# UnitOfWork.committed_scalar.
CREDENTIALS_VERSION = "SELECT version FROM credentials_state WHERE id = 1"
_VERSION = select(_STATE.c.version).where(_STATE.c.id == 1)
_BUMP = update(_STATE).where(_STATE.c.id == 1).values(version=_STATE.c.version + 1)
_ACCOUNT = select(
    _USERS.c.id, _USERS.c.username, _USERS.c.role, _USERS.c.company, _USERS.c.gate_id,
    _USERS.c.agencies,
    _USERS.c.active, _USERS.c.demo, _USERS.c.tokens_after,
    exists().where(_CHANGES.c.token_id == bindparam("token_id")).label("revoked"),
    _VERSION.scalar_subquery().label("version"),
).where(_USERS.c.username == bindparam("username"))  # fmt: skip
_CHANGES_AFTER = (
    select(_CHANGES.c.user_id, _CHANGES.c.token_id)
    .where(_CHANGES.c.version > bindparam("after"))
    .order_by(_CHANGES.c.version)
)


class UserRepository:
    """Users by name, what voids their tokens, and their sign-in attempts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> UserRow | None:
        """The user with this name, or None."""
        return self.session.scalar(select(UserRow).where(UserRow.username == username))

    def by_username_for_update(self, username: str) -> UserRow | None:
        """The user with this name, locked against concurrent changes, or None."""
        query = select(UserRow).where(UserRow.username == username).with_for_update()
        return self.session.scalar(query)

    def by_usernames(self, usernames: list[str]) -> dict[str, UserRow]:
        """Users keyed by name, for those that exist."""
        rows = self.session.scalars(select(UserRow).where(UserRow.username.in_(usernames)))
        return {row.username: row for row in rows}

    def by_ids(self, ids: set[int]) -> dict[int, str]:
        """Usernames keyed by id."""
        rows = self.session.execute(select(UserRow.id, UserRow.username).where(UserRow.id.in_(ids)))
        return {row.id: row.username for row in rows}

    def add(self, user: UserRow) -> None:
        """Stage a new user."""
        self.session.add(user)

    def remove(self, user: UserRow) -> None:
        """Delete a user (the database refuses while their trips refer to them)."""
        self.session.delete(user)
        self.session.flush()

    # --- what voids tokens --------------------------------------------------------------

    def account_for_token(self, username: str, token_id: str) -> Row[Any] | None:
        """See `account_for_token` below, in this session."""
        return account_for_token(self.session.connection(), username, token_id)

    def log_credential_change(
        self, *, user_id: int, token_id: str | None, expires_at: datetime, now: datetime
    ) -> None:
        """Bump the credentials version (its row lock orders concurrent changes, so versions
        commit in order) and record what it voids; drop changes whose tokens expired."""
        version = self.session.execute(_BUMP.returning(_STATE.c.version)).scalar_one()
        self.session.execute(
            insert(_CHANGES).values(
                version=version, user_id=user_id, token_id=token_id, expires_at=expires_at
            )
        )
        self.session.execute(delete(_CHANGES).where(_CHANGES.c.expires_at < now))

    # --- sign-in attempts ---------------------------------------------------------------

    def take_attempt(self, key: str, window: datetime, limit: int) -> bool:
        """Count one more attempt for `key` in this window unless it already holds `limit`,
        in one statement (the upsert locks the counter and re-checks after any wait)."""
        statement = _take_attempt(dialect_insert(self.session))
        values = {"counter": key, "window": window, "limit": limit}
        return self.session.execute(statement, values).first() is not None

    def give_back_attempt(self, key: str, window: datetime) -> None:
        """Uncount one attempt (it succeeded)."""
        self.session.execute(
            update(_ATTEMPTS)
            .where(
                _ATTEMPTS.c.key == key,
                _ATTEMPTS.c.window_start == window,
                _ATTEMPTS.c.attempts > 0,
            )
            .values(attempts=_ATTEMPTS.c.attempts - 1)
        )

    def forget_attempts_before(self, window: datetime) -> None:
        """Drop the counters of windows that have closed."""
        self.session.execute(delete(_ATTEMPTS).where(_ATTEMPTS.c.window_start < window))

    # Last: inside the class, `list` names this method from here on.
    def list(self) -> list[UserRow]:
        """All users by name."""
        return list(self.session.scalars(select(UserRow).order_by(UserRow.username)))


@lru_cache
def _take_attempt(insert_for: Any) -> Executable:
    return (
        insert_for(_ATTEMPTS)
        .values(key=bindparam("counter"), window_start=bindparam("window", type_=_TIME), attempts=1)
        .on_conflict_do_update(
            index_elements=[_ATTEMPTS.c.key, _ATTEMPTS.c.window_start],
            set_={"attempts": _ATTEMPTS.c.attempts + 1},
            where=_ATTEMPTS.c.attempts < bindparam("limit"),
        )
        .returning(_ATTEMPTS.c.attempts)
    )


# Every request that carries a token runs these on a bare connection (no ORM session): they
# are the per-request cost of never serving a revoked token.


def account_for_token(connection: Connection, username: str, token_id: str) -> Row[Any] | None:
    """In one statement: the user's account fields, whether this token was revoked, and the
    credentials version they were read at."""
    return connection.execute(_ACCOUNT, {"username": username, "token_id": token_id}).first()


def credential_changes_after(connection: Connection, version: int) -> list[tuple[int, str | None]]:
    """(user id, token id or None for all the user's tokens) of each later version."""
    rows = connection.execute(_CHANGES_AFTER, {"after": version})
    return [(user_id, token_id) for user_id, token_id in rows]
