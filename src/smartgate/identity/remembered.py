"""Tokens a process has recognised lately, so that most requests need no signature check and
no user look-up; the credential change log tells it which ones to forget."""

import threading
import time
from dataclasses import dataclass

from smartgate.shared.actor import Actor

# A safety net for accounts changed outside smartgate (by hand in the database): every change
# smartgate makes reaches the log and is followed at once.
REMEMBER_SECONDS = 300.0
MAX_REMEMBERED = 10_000


@dataclass(frozen=True)
class Remembered:
    """A recognised token: its actor, its id, and until when it may be served unchecked."""

    actor: Actor
    token_id: str
    until: float


class RememberedTokens:
    """One process's recognised tokens on one database, and the credentials version they are
    good for. Threads share it, so every step holds the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Remembered] = {}
        self.version = 0

    def recall(self, token: str, version: int) -> Actor | None:
        """The token's actor, if it was recognised and nothing since `version` can have voided
        it; call `follow` first when the version moved."""
        with self._lock:
            found = self._tokens.get(token)
            if found is None or version != self.version or found.until <= time.time():
                return None
            return found.actor

    def follow(self, version: int, changes: list[tuple[int, str | None]]) -> None:
        """Forget what the changes up to `version` void: one token, or all of a user's."""
        with self._lock:
            if version <= self.version:  # another thread followed as far already
                return
            users = {user for user, token_id in changes if token_id is None}
            token_ids = {token_id for _, token_id in changes if token_id is not None}
            for token, found in list(self._tokens.items()):
                if found.actor.user_id in users or found.token_id in token_ids:
                    del self._tokens[token]
            self.version = version

    def remember(self, token: str, found: Remembered, *, checked_at: int) -> None:
        """Keep a token checked at credentials version `checked_at`, unless changes newer
        than that have been followed since (the check might then be stale)."""
        with self._lock:
            if checked_at < self.version:
                return
            if len(self._tokens) >= MAX_REMEMBERED:
                self._tokens.clear()  # expired entries pile up otherwise
            self._tokens[token] = found

    def forget(self) -> None:
        """Forget every token (tests that roll back)."""
        with self._lock:
            self._tokens.clear()
            self.version = 0


_by_database: dict[str, RememberedTokens] = {}
_registry_lock = threading.Lock()


def remembered_tokens(database: str) -> RememberedTokens:
    """This process's memory of tokens on one database."""
    with _registry_lock:
        return _by_database.setdefault(database, RememberedTokens())


def forget_all() -> None:
    """Forget every database's tokens."""
    with _registry_lock:
        for memory in _by_database.values():
            memory.forget()
