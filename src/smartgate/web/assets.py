"""Static files a browser keeps: each page names them with a hash of their content in the URL
(`/static/style.css?v=1a2b3c4d5e`), so they can be cached for a year and a changed file is a
new URL that reaches everyone at once. A URL without the hash is checked again on every use.
Scripts and styles go out Brotli-compressed where the browser takes it, compressed once."""

import hashlib
from functools import cache
from pathlib import Path

import brotli
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

FOR_A_YEAR = "public, max-age=31536000, immutable"
ASK_AGAIN = "no-cache"  # kept, but revalidated (ETag) before each use
COMPRESSIBLE = (".js", ".css", ".svg", ".html")
# Larger files (Swagger UI's) would take seconds at Brotli's best; the gzip middleware has them.
BROTLI_AT_MOST = 256 * 1024


class Assets(StaticFiles):
    """The files under `directory`, served at `prefix` with cache headers."""

    def __init__(self, directory: Path | str, prefix: str) -> None:
        super().__init__(directory=directory)
        self.root = Path(directory)
        self.prefix = prefix.rstrip("/")

    def url(self, name: str) -> str:
        """The URL of the file `name` as it is now, to be cached for a year."""
        return f"{self.prefix}/{name}?v={_version(self.root / name)}"

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and path.endswith(COMPRESSIBLE) and _takes_brotli(scope):
            response = self._brotli(path, response)
        if response.status_code in (200, 304):
            # Only a URL naming this very content may be kept unasked: an old page asking for
            # an earlier hash gets today's file, but not for a year.
            wanted = _query_version(scope)
            current = wanted is not None and wanted == self._current(path)
            response.headers["Cache-Control"] = FOR_A_YEAR if current else ASK_AGAIN
        return response

    def _brotli(self, path: str, plain: Response) -> Response:
        full_path, stat = self.lookup_path(path)
        if stat is None or stat.st_size > BROTLI_AT_MOST:
            return plain
        body = _compressed(Path(full_path), stat.st_mtime_ns, stat.st_size)
        headers = {name: plain.headers[name] for name in ("etag", "last-modified")}
        headers |= {"Content-Encoding": "br", "Vary": "Accept-Encoding"}
        return Response(body, headers=headers, media_type=plain.media_type)

    def _current(self, path: str) -> str | None:
        try:
            return _version(self.root / path)
        except OSError:
            return None


def _version(path: Path) -> str:
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _takes_brotli(scope: Scope) -> bool:
    accepted = Headers(scope=scope).get("accept-encoding", "")
    return "br" in (part.split(";")[0].strip() for part in accepted.split(","))


def _query_version(scope: Scope) -> str | None:
    for part in scope.get("query_string", b"").decode("latin-1").split("&"):
        key, _, value = part.partition("=")
        if key == "v":
            return value
    return None


# Both keyed on the file's modification time and size: an edited file is read anew.
@cache
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


@cache
def _compressed(path: Path, mtime_ns: int, size: int) -> bytes:
    return bytes(brotli.compress(path.read_bytes(), quality=11))
