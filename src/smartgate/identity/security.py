"""Password hashing (argon2) and signed access tokens (JWT, HS256)."""

from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when the password matches; constant work when the user is unknown."""
    try:
        matched = _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def make_token(*, username: str, secret: str, now: datetime, minutes: int) -> str:
    """A signed bearer token for `username`."""
    claims = {"sub": username, "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> tuple[str, float] | None:
    """The username a valid, unexpired token was issued to and when it expires (POSIX
    seconds), or None."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return (subject, float(claims["exp"])) if isinstance(subject, str) else None
