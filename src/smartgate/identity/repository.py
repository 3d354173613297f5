"""The only place that queries the user table."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgate.identity.tables import UserRow


class UserRepository:
    """Users by name."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> UserRow | None:
        """The user with this name, or None."""
        return self.session.scalar(select(UserRow).where(UserRow.username == username))

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

    def list(self) -> list[UserRow]:
        """All users by name."""
        return list(self.session.scalars(select(UserRow).order_by(UserRow.username)))
