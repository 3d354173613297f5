"""Health and identity endpoints."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import text

from smartgate.api.deps import CurrentActor, SettingsDep, UoW
from smartgate.api.errors import ERRORS
from smartgate.identity import services
from smartgate.identity.schemas import Token, UserRead

router = APIRouter()


class Health(BaseModel):
    """Whether the instance and its database answer."""

    status: str
    side: str
    database: str


@router.get("/healthz", tags=["system"], operation_id="health")
def health(uow: UoW, settings: SettingsDep) -> Health:
    """Liveness and database check (public)."""
    with uow:
        uow.session.execute(text("SELECT 1"))
    return Health(status="ok", side=settings.side, database="ok")


@router.post(
    "/api/v1/auth/token", tags=["auth"], operation_id="sign_in", responses={401: ERRORS[401]}
)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], uow: UoW, settings: SettingsDep
) -> Token:
    """OAuth2 password flow: username and password for a bearer token (public)."""
    return services.sign_in(
        uow=uow,
        username=form.username,
        password=form.password,
        secret=settings.secret_key,
        minutes=settings.token_minutes,
    )


@router.get("/api/v1/auth/me", tags=["auth"], operation_id="me", responses={401: ERRORS[401]})
def me(actor: CurrentActor, uow: UoW) -> UserRead:
    """The signed-in user (any role)."""
    return services.get_user(uow=uow, username=actor.username)
