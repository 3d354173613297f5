"""Dependencies: the unit of work, the settings and the signed-in actor."""

from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from smartgate.config import Settings
from smartgate.identity.services import BadCredentials, actor_for_token
from smartgate.shared.actor import Actor, Role, may_reach
from smartgate.shared.errors import Forbidden
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

TOKEN_URL = "/api/v1/auth/token"
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
COOKIE = "smartgate_token"  # the web pages carry the same token in a cookie


# The two below do no I/O: as coroutines they skip a trip through the thread pool.
async def get_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work on the app's session factory."""
    return UnitOfWork(request.app.state.session_factory)


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings  # type: ignore[no-any-return]


UoW = Annotated[UnitOfWork, Depends(get_uow)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


# FastAPI solves every dependency of every request anew, so the actor ones take the bearer
# token alone and reach the app's state directly (a third of the dependency work per request).
BearerToken = Annotated[str | None, Depends(_bearer)]


def presented_token(request: Request, token: str | None) -> str | None:
    """The bearer token, else the web cookie's."""
    return token or request.cookies.get(COOKIE)


def client_address(request: Request) -> str:
    """The client's address as the server sees it (or as a trusted proxy says)."""
    return request.client.host if request.client else "unknown"


async def optional_actor(request: Request, token: BearerToken) -> Actor | None:
    """The actor behind the bearer token or the web cookie, or None; 403 for a machine
    account (a peer instance) outside its own endpoints. Every app route depends on this,
    so no page or answer is served to a peer by mistake."""
    token = presented_token(request, token)
    if not token:
        return None
    settings = request.app.state.settings
    actor = await run_in_threadpool(
        partial(
            actor_for_token,
            uow=UnitOfWork(request.app.state.session_factory),
            token=token,
            secret=settings.secret_key,
            demo_mode=settings.demo,
        )
    )
    if actor is not None and not may_reach(actor.role, request.url.path):
        raise Forbidden(Wording("a {role} account reaches only its own endpoints", role=actor.role))
    return actor


async def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    """The signed-in actor, or 401."""
    if actor is None:
        raise BadCredentials(Wording("sign in first: missing, expired or invalid token"))
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


def require(*roles: Role):  # type: ignore[no-untyped-def]
    """A dependency that lets only the given roles through."""

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"this needs role {' or '.join(roles)}; you are {actor.role}")
        return actor

    return Depends(check)
