"""Identity tables: users, the credential change log, and sign-in attempt counters."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartgate.db import Base, UTCDateTime


class UserRow(Base):
    """A person or peer instance that signs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(120))
    company: Mapped[str | None] = mapped_column(String(120), nullable=True)
    gate_id: Mapped[str | None] = mapped_column(ForeignKey("gates.id"), nullable=True)
    # An operator's inspection agencies, comma-separated (customs,quarantine); "" for others.
    agencies: Mapped[str] = mapped_column(String(80), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Made by demo mode: signs in only while the instance runs in demo mode.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Tokens issued before this moment are void: the account was made, or its password
    # changed, since.
    tokens_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CredentialsStateRow(Base):
    """One row: the credentials version, bumped under its row lock by every sign-out,
    disabled account or new password, so that each process knows when its remembered tokens
    may be stale."""

    __tablename__ = "credentials_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class CredentialChangeRow(Base):
    """What one credentials version changed: one token revoked (token_id) or every token of a
    user (token_id None). Kept until the tokens it voids have expired anyway."""

    __tablename__ = "credential_changes"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer)  # no foreign key: deleted users stay void
    token_id: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SignInAttemptRow(Base):
    """Failed (and pending) sign-ins of one account or one client address in one window."""

    __tablename__ = "sign_in_attempts"

    key: Mapped[str] = mapped_column(String(140), primary_key=True)  # "user:NAME" / "addr:IP"
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer)
