"""Password hashing (argon2) and signed access tokens (JWT, HS256)."""

import secrets
from dataclasses import dataclass
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
    """True when the password matches; the same work when there is no hash to match."""
    try:
        matched = _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


@dataclass(frozen=True)
class Claims:
    """What a valid token says: whose it is, its own id, when it was issued and expires
    (POSIX seconds)."""

    username: str
    token_id: str
    issued_at: float
    expires_at: float


def make_token(*, username: str, secret: str, now: datetime, minutes: int) -> str:
    """A signed bearer token for `username`, with an id of its own so it can be revoked."""
    claims = {
        "sub": username,
        "jti": secrets.token_hex(16),
        # Fractional seconds: a token issued just after a password change must stand, one
        # issued just before it must not, even within the same second.
        "iat": now.timestamp(),
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> Claims | None:
    """The claims of a well-signed, unexpired token, or None."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "iat", "sub", "jti"]}
        )
    except jwt.PyJWTError:
        return None
    subject, token_id = claims.get("sub"), claims.get("jti")
    if not (isinstance(subject, str) and isinstance(token_id, str) and len(token_id) <= 32):
        return None
    return Claims(subject, token_id, float(claims["iat"]), float(claims["exp"]))
