"""Static files: cached for a year under a URL naming their content, Brotli where taken."""

import asyncio

import brotli
import httpx
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware

from smartgate.web.assets import ASK_AGAIN, FOR_A_YEAR, Assets


def _get(assets: Assets, url: str, **headers: str) -> httpx.Response:
    app = Starlette()
    app.mount(assets.prefix, assets)
    app.add_middleware(GZipMiddleware, minimum_size=10)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gate.test") as client:
            return await client.get(url, headers=headers)

    return asyncio.run(call())


def test_a_url_naming_the_content_is_kept_a_year_and_a_change_is_a_new_url(tmp_path):
    (tmp_path / "style.css").write_text("body { color: black; }\n" * 50)
    assets = Assets(tmp_path, "/static")
    first = assets.url("style.css")
    assert first.startswith("/static/style.css?v=")
    assert _get(assets, first).headers["cache-control"] == FOR_A_YEAR
    assert _get(assets, "/static/style.css").headers["cache-control"] == ASK_AGAIN

    (tmp_path / "style.css").write_text("body { color: navy; }\n" * 50)
    assert assets.url("style.css") != first
    assert _get(assets, first).headers["cache-control"] == ASK_AGAIN  # an old page's link
    assert _get(assets, assets.url("style.css")).headers["cache-control"] == FOR_A_YEAR


def test_scripts_go_out_in_brotli_when_taken_and_in_gzip_otherwise(tmp_path):
    script = b"document.addEventListener('click', () => {});\n" * 100
    (tmp_path / "pages.js").write_bytes(script)
    assets = Assets(tmp_path, "/static")
    taken = _get(assets, assets.url("pages.js"), **{"accept-encoding": "gzip, br"})
    assert taken.headers["content-encoding"] == "br"
    assert taken.headers["vary"] == "Accept-Encoding"
    assert taken.content == script
    assert int(taken.headers["content-length"]) == len(brotli.compress(script, quality=11))
    gzipped = _get(assets, assets.url("pages.js"), **{"accept-encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip" and gzipped.content == script
