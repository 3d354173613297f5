"""Settings from environment variables, validated once at start."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SECRET = "demo-secret-key-not-for-production"


class Settings(BaseSettings):
    """Everything an instance needs to know about itself."""

    model_config = SettingsConfigDict(env_prefix="SMARTGATE_", extra="ignore")

    database_url: str = "sqlite:///smartgate.db"
    side: Literal["VN", "CN"] = "VN"
    secret_key: str = Field(default="", description="signs access tokens; required outside demo")
    demo: bool = False
    token_minutes: int = Field(default=12 * 60, gt=0)

    @model_validator(mode="after")
    def _secret_required_outside_demo(self) -> "Settings":
        # A default secret would let anyone mint tokens on a real gate.
        if not self.secret_key:
            if not self.demo:
                raise ValueError(
                    "SMARTGATE_SECRET_KEY must be set (at least 32 characters) outside demo mode"
                )
            self.secret_key = DEMO_SECRET
        elif len(self.secret_key) < 32 and not self.demo:
            raise ValueError("SMARTGATE_SECRET_KEY must be at least 32 characters")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
