"""The unit of work: one session, the repositories on it, and a single commit."""

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from smartgate.declarations.repository import DeclarationRepository
from smartgate.identity.repository import UserRepository
from smartgate.registry.repository import RegistryRepository


class UnitOfWork:
    """Use as `with uow: ...; uow.commit()`; leaving without commit rolls everything back."""

    session: Session
    registry: RegistryRepository
    declarations: DeclarationRepository
    users: UserRepository

    def __init__(self, session_factory: sessionmaker) -> None:
        self._factory = session_factory

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        self.registry = RegistryRepository(self.session)
        self.declarations = DeclarationRepository(self.session)
        self.users = UserRepository(self.session)
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
        """Make the work durable."""
        self.session.commit()
