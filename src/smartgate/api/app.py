"""The application: API, web pages and static files on one FastAPI app."""

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES as NOT_COMPRESSED
from starlette.middleware.gzip import GZipMiddleware

from smartgate import __version__
from smartgate.api import docs, errors
from smartgate.api.deps import optional_actor
from smartgate.api.exports import MEDIA
from smartgate.api.guards import SameOriginWrites, SecurityHeaders
from smartgate.api.routes import (
    declarations,
    exchange,
    operations,
    policy,
    queue,
    registry,
    system,
)
from smartgate.api.text_guard import RefuseNulText
from smartgate.config import Settings, get_settings
from smartgate.db import POOL_SIZE, engine_for, session_factory
from smartgate.exchange import keys
from smartgate.exchange.delivery import Courier


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Sync endpoints run in anyio's thread pool (40 threads by default); more threads than
    # pooled connections only queue for a connection or open throw-away ones.
    anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
    # The outbox goes out from the server itself: no other process to start.
    key = app.state.exchange_key
    courier = (
        Courier(app.state.session_factory, key, side=app.state.settings.side)
        if key is not None
        else None
    )
    if courier is not None:
        courier.start()
    yield
    if courier is not None:
        courier.stop()
    app.state.hashing.shutdown(wait=False, cancel_futures=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready app for `settings` (the environment's when not given)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="smartgate",
        version=__version__,
        summary="Smart border-gate platform for cross-border truck freight",
        lifespan=_lifespan,
        # Every route knows its caller: a machine account is stopped outside its endpoints
        # even where the route itself is public.
        dependencies=[Depends(optional_actor)],
        # Larger bodies get 413 before they are read (Content-Length) or as they pass it.
        max_body_size=settings.max_body_bytes,
        # Swagger UI from this package rather than a CDN (docs.install); no ReDoc, which
        # has no offline package.
        docs_url=None,
        redoc_url=None,
        openapi_url=docs.OPENAPI_URL,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory(engine_for(settings.database_url))
    # Password hashing gets one thread of its own: a burst of sign-ins queues there, while
    # the request threads keep serving everyone else.
    app.state.hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hashing")
    # The key that signs what goes to the other side's instance; without one the exchange is
    # off (its inbox answers 503) and everything else works.
    key = keys.load(settings.key_file) if settings.key_file.exists() else None
    app.state.exchange_key = key
    app.state.exchange_public_key = keys.public_text(key.public_key()) if key else None
    errors.install(app)
    docs.install(app)
    for router in (
        system.router,
        registry.router,
        declarations.router,
        queue.router,
        policy.router,
        operations.router,
        exchange.router,
    ):
        app.include_router(router)
    from smartgate.web.routes import mount

    mount(app)
    # The last added runs first: every answer gets the headers, refusals included. Pages
    # and scripts go out compressed (an xlsx is zipped already): a driver on mobile data
    # gets a page in a third of the bytes.
    app.add_middleware(
        GZipMiddleware, minimum_size=1000, exclude_content_types=(*NOT_COMPRESSED, MEDIA["xlsx"])
    )
    app.add_middleware(RefuseNulText)
    app.add_middleware(SameOriginWrites)
    app.add_middleware(SecurityHeaders)
    return app
