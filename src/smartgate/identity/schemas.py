"""Identity schemas."""

from pydantic import BaseModel, ConfigDict

from smartgate.shared.actor import Role


class Token(BaseModel):
    """An OAuth2 bearer token answer."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserRead(BaseModel):
    """A user as shown to themselves and to authorities."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    role: Role
    full_name: str
    company: str | None
    gate_id: str | None
    agencies: str = ""  # comma-separated
    active: bool
    demo: bool
