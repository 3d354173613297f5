"""Settings from environment variables, validated once at start."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Published in the source: it signs tokens in demo mode only, never on a real gate.
DEMO_SECRET = "demo-secret-key-not-for-production"
MIN_SECRET = 32
SECRET_HINT = (
    "make one with python -c 'import secrets; print(secrets.token_urlsafe(48))' "
    "and keep it the same across restarts"
)


class Settings(BaseSettings):
    """Everything an instance needs to know about itself."""

    model_config = SettingsConfigDict(env_prefix="SMARTGATE_", extra="ignore")

    database_url: str = "sqlite:///smartgate.db"
    side: Literal["VN", "CN"] = "VN"
    secret_key: str = Field(default="", description="signs access tokens; required outside demo")
    demo: bool = False
    token_minutes: int = Field(default=12 * 60, gt=0, le=30 * 24 * 60)
    # Secure cookies: "auto" when the request came over HTTPS (as the proxy says, see below).
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    # Addresses of reverse proxies whose X-Forwarded-For / -Proto are believed ("" = none):
    # sign-in throttling counts per client address, which a client must not choose itself.
    forwarded_allow_ips: str = ""
    # Larger request bodies are refused with 413 before they are read.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    # The instance's Ed25519 private key, which signs what it sends the other side's instance
    # (`smartgate keys generate` makes it); without it the exchange is off.
    key_file: Path = Path("smartgate.key")
    # The daily reconciliation with the other side: a crossing both sides saw matches when
    # their two times differ by at most this many minutes (the report may ask for another).
    reconcile_minutes: int = Field(default=30, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _secret_required_outside_demo(self) -> "Settings":
        # A known secret would let anyone mint tokens on a real gate.
        if self.demo:
            self.secret_key = self.secret_key or DEMO_SECRET
            return self
        if not self.secret_key:
            raise ValueError(
                f"SMARTGATE_SECRET_KEY must be set (at least {MIN_SECRET} characters) outside "
                f"demo mode: {SECRET_HINT}; or, to try the demo, set SMARTGATE_DEMO=1 or run "
                "the command in the folder where `smartgate serve --demo` runs"
            )
        if self.secret_key == DEMO_SECRET:
            raise ValueError(
                "SMARTGATE_SECRET_KEY is the published demo key; outside demo mode set a secret "
                f"of your own (at least {MIN_SECRET} characters)"
            )
        if len(self.secret_key) < MIN_SECRET:
            raise ValueError(
                f"SMARTGATE_SECRET_KEY must be at least {MIN_SECRET} characters: {SECRET_HINT}"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()


def key_file() -> Path:
    """Where this instance's exchange key lives (SMARTGATE_KEY_FILE), without the rest of the
    settings: the key commands need no database or secret."""
    return Path(os.environ.get("SMARTGATE_KEY_FILE") or Settings.model_fields["key_file"].default)
