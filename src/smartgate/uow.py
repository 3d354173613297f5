"""The unit of work: one session, the repositories on it, and a single commit."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from smartgate.db import READ_ONLY
from smartgate.declarations.repository import DeclarationRepository
from smartgate.exchange.repository import ExchangeRepository
from smartgate.identity.repository import UserRepository
from smartgate.operations.repository import OperationsRepository
from smartgate.policy.repository import PolicyRepository
from smartgate.queue.repository import QueueRepository
from smartgate.registry.repository import RegistryRepository


class UnitOfWork:
    """Use as `with uow: ...; uow.commit()`; leaving without commit rolls everything back."""

    session: Session
    registry: RegistryRepository
    declarations: DeclarationRepository
    users: UserRepository
    policy: PolicyRepository
    queue: QueueRepository
    operations: OperationsRepository
    exchange: ExchangeRepository

    def __init__(self, session_factory: sessionmaker) -> None:
        self._factory = session_factory
        # Which database this unit of work talks to, as a key for per-database caches.
        self._bind = session_factory.kw["bind"]
        self.database = str(self._bind.engine.url)
        self._read_only = False

    @property
    def session_factory(self) -> sessionmaker:
        """The factory this unit of work opens its sessions with (per-process caches key on
        it)."""
        return self._factory

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        if self._read_only:
            self.session.connection(execution_options={READ_ONLY: True})
        self._after_commit: list[Callable[[], None]] = []
        self._last: list[Callable[[], None]] = []
        self._events: list[object] = []
        self.registry = RegistryRepository(self.session)
        self.declarations = DeclarationRepository(self.session)
        self.users = UserRepository(self.session)
        self.policy = PolicyRepository(self.session)
        self.queue = QueueRepository(self.session)
        self.operations = OperationsRepository(self.session)
        self.exchange = ExchangeRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    @contextmanager
    def reading(self) -> Iterator["UnitOfWork"]:
        """`with uow.reading():` for work that only reads: on SQLite it then waits for no
        writer (writing units of work take SQLite's write lock when they begin)."""
        self._read_only = True
        try:
            with self:
                yield self
        finally:
            self._read_only = False

    def publish(self, event: object) -> None:
        """Tell the other contexts what happened; their handlers run in this unit of work,
        at commit, so the change and what follows from it land together or not at all."""
        self._events.append(event)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Work that may fail on its own, with what follows from it: the handlers of the
        events it publishes run inside it. On any error, what it wrote, published and asked
        to run after commit is undone and the error goes on; the rest of the unit stays."""
        published, callbacks, last = len(self._events), len(self._after_commit), len(self._last)
        nested = self.session.begin_nested()
        try:
            yield
            self._handle_events(since=published)
            self.session.flush()
        except BaseException:
            nested.rollback()
            del self._events[published:]
            del self._after_commit[callbacks:]
            del self._last[last:]
            raise
        nested.commit()

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection, without an ORM session, on which each statement commits on its own:
        for a statement or two that need no transaction around them (no BEGIN and COMMIT
        round trips, no SQLite write lock held between them). Within a transaction already
        open on the bound connection (the tests'), that transaction."""
        if isinstance(self._bind, Connection):
            yield self._bind
            return
        with self._bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection

    def committed_scalar(self, sql: str) -> Any:
        """The first value a read-only SQL statement finds in the committed state, with as
        little around it as can be: a pooled driver connection, outside any transaction, no
        ORM and no SQLAlchemy statement handling (every request that carries a token asks
        one; all the rest cost more than the query). Within a transaction already open on
        the bound connection (the tests'), in that transaction."""
        if isinstance(self._bind, Connection):
            return self._bind.exec_driver_sql(sql).scalar()
        pooled = self._bind.raw_connection()
        driver = pooled.driver_connection
        # sqlite3 runs a statement outside BEGIN in autocommit already (see db.py).
        switch = self._bind.dialect.name == "postgresql"
        try:
            if switch:
                driver.autocommit = True
            cursor = pooled.cursor()
            cursor.execute(sql)
            row = cursor.fetchone()
            cursor.close()
            return None if row is None else row[0]
        finally:
            if switch:
                driver.autocommit = False
            pooled.close()

    def commit(self) -> None:
        """Let the handlers follow the published events, run what comes last, make the work
        durable, then run what waited for it."""
        self._handle_events(since=0)
        lasts, self._last = self._last, []
        for last in lasts:
            last()
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def _handle_events(self, *, since: int) -> None:
        # Imported here: the handlers' contexts import this module.
        from smartgate.handlers import handle

        while len(self._events) > since:  # handlers may publish more
            published = self._events[since:]
            del self._events[since:]
            handle(self, published)

    def last_before_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` after every handler, just before the commit: the last statements of
        the transaction, so the locks they take are held for the least time and no lock is
        taken after them (the exchange's stream counters)."""
        self._last.append(callback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the work is committed (never if it is rolled back)."""
        self._after_commit.append(callback)
