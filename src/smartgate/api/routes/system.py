"""Health and identity endpoints."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import text

from smartgate.api.deps import (
    BearerToken,
    CurrentActor,
    SettingsDep,
    UoW,
    client_address,
    presented_token,
)
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
    "/api/v1/auth/token",
    tags=["auth"],
    operation_id="sign_in",
    responses={401: ERRORS[401], 429: ERRORS[429]},
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    uow: UoW,
    settings: SettingsDep,
) -> Token:
    """OAuth2 password flow: username and password for a bearer token (public). Repeated
    failures of one account or one address answer 429 with Retry-After."""
    return await services.sign_in(
        uow=uow,
        username=form.username,
        password=form.password,
        address=client_address(request),
        secret=settings.secret_key,
        minutes=settings.token_minutes,
        demo_mode=settings.demo,
        hashing=request.app.state.hashing,
    )


@router.post(
    "/api/v1/auth/sign-out",
    tags=["auth"],
    operation_id="sign_out",
    status_code=204,
    responses={401: ERRORS[401]},
)
def sign_out(
    request: Request, actor: CurrentActor, token: BearerToken, uow: UoW, settings: SettingsDep
) -> Response:
    """Revoke the token this request carries, at once (any role)."""
    services.sign_out(
        uow=uow, token=presented_token(request, token) or "", secret=settings.secret_key
    )
    return Response(status_code=204)


@router.get("/api/v1/auth/me", tags=["auth"], operation_id="me", responses={401: ERRORS[401]})
def me(actor: CurrentActor, uow: UoW) -> UserRead:
    """The signed-in user (any role)."""
    return services.get_user(uow=uow, username=actor.username)
