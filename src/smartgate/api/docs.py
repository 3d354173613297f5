"""The interactive API docs (Swagger UI at /docs), served from the swagger-ui-py package rather
than a CDN: they work without the internet, under a policy that names their two inline scripts
by hash instead of allowing any. (swagger-ui-bundle ships Swagger UI 4, which cannot read the
OpenAPI 3.1 that FastAPI writes; swagger-ui-py ships Swagger UI 5.)"""

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from swagger_ui.utils import SWAGGER_UI_PY_ROOT

from smartgate.web.assets import Assets

DOCS_URL = "/docs"
REDIRECT_URL = "/docs/oauth2-redirect"
OPENAPI_URL = "/openapi.json"
TITLE = "smartgate – API docs"
swagger_ui = Assets(SWAGGER_UI_PY_ROOT / "static", "/static/swagger-ui")


def install(app: FastAPI) -> None:
    """Serve Swagger UI's files and the docs pages on `app` (created with docs_url=None)."""
    app.mount(swagger_ui.prefix, swagger_ui, name="swagger-ui")
    app.add_api_route(DOCS_URL, docs_page, include_in_schema=False)
    app.add_api_route(REDIRECT_URL, redirect_page, include_in_schema=False)


def docs_page() -> HTMLResponse:
    """Swagger UI on this app's OpenAPI description."""
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=TITLE,
        swagger_js_url=swagger_ui.url("swagger-ui-bundle.js"),
        swagger_css_url=swagger_ui.url("swagger-ui.css"),
        swagger_favicon_url="/favicon.ico",
        oauth2_redirect_url=REDIRECT_URL,
        # No badge from validator.swagger.io: the page asks nothing of other hosts.
        swagger_ui_parameters={"validatorUrl": None},
    )


def redirect_page() -> HTMLResponse:
    """Where the OAuth2 sign-in of Swagger UI comes back to."""
    return get_swagger_ui_oauth2_redirect_html()


def script_hashes() -> str:
    """The CSP sources ('sha256-...') of the docs pages' inline scripts."""
    found = []
    for page in (docs_page(), redirect_page()):
        for script in re.findall(r"<script>(.*?)</script>", bytes(page.body).decode(), re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            found.append(f"'sha256-{digest}'")
    return " ".join(found)
