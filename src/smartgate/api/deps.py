"""Dependencies: the unit of work, the settings and the signed-in actor."""

from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from smartgate.config import Settings
from smartgate.identity.services import BadCredentials, actor_for_token, remembered_actor
from smartgate.shared.actor import Actor, Role
from smartgate.shared.errors import Forbidden
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
Token = Annotated[str | None, Depends(_bearer)]


async def optional_actor(request: Request, token: Token) -> Actor | None:
    """The actor behind the bearer token or the web cookie, or None. A token recognised
    lately is answered on the event loop; only a new one goes to the database, in a thread."""
    token = token or request.cookies.get(COOKIE)
    if not token:
        return None
    uow = UnitOfWork(request.app.state.session_factory)
    secret = request.app.state.settings.secret_key
    return remembered_actor(uow=uow, token=token) or await run_in_threadpool(
        partial(actor_for_token, uow=uow, token=token, secret=secret)
    )


async def current_actor(request: Request, token: Token) -> Actor:
    """The signed-in actor, or 401."""
    actor = await optional_actor(request, token)
    if actor is None:
        raise BadCredentials("sign in first: missing, expired or invalid token")
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
