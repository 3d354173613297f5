"""The unit of work: one session, the repositories on it, and a single commit."""

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from smartgate.declarations.repository import DeclarationRepository
from smartgate.identity.repository import UserRepository
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

    def __init__(self, session_factory: sessionmaker) -> None:
        self._factory = session_factory
        # Which database this unit of work talks to, as a key for per-database caches.
        self.database = str(session_factory.kw["bind"].engine.url)

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        self._after_commit: list[Callable[[], None]] = []
        self.registry = RegistryRepository(self.session)
        self.declarations = DeclarationRepository(self.session)
        self.users = UserRepository(self.session)
        self.policy = PolicyRepository(self.session)
        self.queue = QueueRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        """Make the work durable, then run what waited for it."""
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the work is committed (never if it is rolled back)."""
        self._after_commit.append(callback)
