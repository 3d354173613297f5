"""The application: API, web pages and static files on one FastAPI app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from smartgate import __version__
from smartgate.api import errors
from smartgate.api.routes import declarations, policy, queue, registry, system
from smartgate.config import Settings, get_settings
from smartgate.db import POOL_SIZE, engine_for, session_factory


@asynccontextmanager
async def _threads_match_the_pool(app: FastAPI) -> AsyncIterator[None]:
    # Sync endpoints run in anyio's thread pool (40 threads by default); more threads than
    # pooled connections only queue for a connection or open throw-away ones.
    anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready app for `settings` (the environment's when not given)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="smartgate",
        version=__version__,
        summary="Smart border-gate platform for cross-border truck freight",
        lifespan=_threads_match_the_pool,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory(engine_for(settings.database_url))
    errors.install(app)
    for router in (
        system.router,
        registry.router,
        declarations.router,
        queue.router,
        policy.router,
    ):
        app.include_router(router)
    from smartgate.web.routes import mount

    mount(app)
    return app
