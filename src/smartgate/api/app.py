"""The application: API, web pages and static files on one FastAPI app."""

from fastapi import FastAPI

from smartgate import __version__
from smartgate.api import errors
from smartgate.api.routes import declarations, policy, queue, registry, system
from smartgate.config import Settings, get_settings
from smartgate.db import engine_for, session_factory


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready app for `settings` (the environment's when not given)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="smartgate",
        version=__version__,
        summary="Smart border-gate platform for cross-border truck freight",
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
