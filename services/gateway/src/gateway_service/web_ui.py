"""The browser UI: the files of ``web/`` (plain ES modules and CSS, no build step) served at
``/``, with an SPA fallback, cache headers that suit each file, and gzip/brotli compression.

How it is laid out (``web/README.md`` says the same from the UI's side):

- ``/assets/<version>/<path>`` is the file ``web/<path>``. ``version`` is a hash of every
  file of ``web/``: change one byte anywhere and every asset URL changes, so assets are
  served ``immutable`` for a year, and ES modules that import each other by relative path
  (``./api.js``) inherit the version without a bundler renaming files.
- ``index.html`` is the page every UI path answers (``/``, ``/products/…``, ``/orders/…``:
  the History API router in the browser picks the view). The ``%ASSETS%`` in it becomes
  ``/assets/<version>``; it is served ``no-cache`` with an ETag, so a deploy is seen at once.
- A path whose last segment has a dot (``/favicon.ico``, ``/robots.txt``) is a file: the
  top-level file of that name, or a 404 problem (never the page).

The files are read once at start into a table; a request is a dict look-up, so no path from
a request ever reaches the file system, and nothing outside ``web/`` can be served (files
that resolve outside it, symbolic links included, are left out). ``GATEWAY_WEB_RELOAD``
re-reads the folder when a file changed, for working on the UI.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import brotli
from aiohttp import web

from gateway_service.problem_responses import problem_response

ASSETS_PREFIX = "/assets/"
_PLACEHOLDER = "%ASSETS%"
_TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml",
               "application/manifest+json")
_MIN_COMPRESSED = 256  # bytes; below it compression costs more than it saves
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"
_TYPES = {
    ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
    ".html": "text/html", ".json": "application/json", ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json", ".txt": "text/plain", ".md": "text/plain",
    ".ico": "image/x-icon", ".png": "image/png", ".webp": "image/webp",
    ".woff2": "font/woff2",
}
# What the page may load and talk to: only this origin (the API, /ws, images served by the
# services through the gateway), no inline script.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": _CSP,
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    cache_control: str
    etag: str
    gzip: bytes | None = None
    br: bytes | None = None

    @classmethod
    def of(cls, body: bytes, content_type: str, cache_control: str) -> Asset:
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        packed_gzip = packed_br = None
        if content_type.startswith(_TEXT_TYPES) and len(body) >= _MIN_COMPRESSED:
            packed_gzip = gzip.compress(body, compresslevel=9, mtime=0)
            packed_br = brotli.compress(body, quality=11)
        return cls(body, content_type, cache_control, etag, packed_gzip, packed_br)

    def response(self, request: web.BaseRequest, headers: dict[str, str]) -> web.Response:
        out = {**headers, "Cache-Control": self.cache_control, "ETag": self.etag}
        if self.gzip is not None:
            out["Vary"] = "Accept-Encoding"
        if self.etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=out)
        body = self.body
        accepted = _accepted_encodings(request.headers.get("Accept-Encoding", ""))
        if self.br is not None and "br" in accepted:
            body, out["Content-Encoding"] = self.br, "br"
        elif self.gzip is not None and "gzip" in accepted:
            body, out["Content-Encoding"] = self.gzip, "gzip"
        charset = "utf-8" if self.content_type.startswith(_TEXT_TYPES) else None
        return web.Response(
            body=body, content_type=self.content_type, charset=charset, headers=out
        )


def _accepted_encodings(header: str) -> set[str]:
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if params.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(name.strip().lower())
    return accepted


@dataclass(frozen=True, slots=True)
class WebFiles:
    """Everything of one reading of ``web/``."""

    version: str
    index: Asset
    assets: dict[str, Asset]  # by URL path below /assets/<version>/
    top_level: dict[str, Asset]  # /favicon.ico, /robots.txt ...
    stamp: tuple[tuple[str, int, int], ...]


def _files(root: Path) -> list[tuple[str, Path]]:
    resolved_root = root.resolve()
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if not path.resolve().is_relative_to(resolved_root):
            continue  # a symbolic link out of web/
        found.append((path.relative_to(root).as_posix(), path))
    return found


def _stamp(files: list[tuple[str, Path]]) -> tuple[tuple[str, int, int], ...]:
    return tuple((name, path.stat().st_mtime_ns, path.stat().st_size) for name, path in files)


def read_web_files(root: Path) -> WebFiles:
    files = _files(root)
    contents = {name: path.read_bytes() for name, path in files}
    digest = hashlib.blake2b(digest_size=6)
    for name, body in contents.items():
        digest.update(name.encode() + b"\0" + hashlib.blake2b(body).digest())
    version = digest.hexdigest()
    assets = {}
    top_level = {}
    for name, body in contents.items():
        suffix = Path(name).suffix.lower()
        content_type = _TYPES.get(suffix) or mimetypes.guess_type(name)[0]
        if content_type is None or name == "index.html":
            continue
        assets[name] = Asset.of(body, content_type, _IMMUTABLE)
        if "/" not in name:
            top_level[name] = Asset.of(body, content_type, "public, max-age=3600")
    page = contents["index.html"].replace(
        _PLACEHOLDER.encode(), f"{ASSETS_PREFIX}{version}".encode()
    )
    return WebFiles(
        version=version,
        index=Asset.of(page, "text/html", _REVALIDATE),
        assets=assets,
        top_level=top_level,
        stamp=_stamp(files),
    )


class WebUI:
    """``handle`` answers every GET the gateway's own routes and the API did not take."""

    def __init__(self, root: Path, *, reload: bool = False) -> None:
        self.root = root
        self.reload = reload
        self.files = read_web_files(root)

    def _current(self) -> WebFiles:
        if self.reload and _stamp(_files(self.root)) != self.files.stamp:
            self.files = read_web_files(self.root)
        return self.files

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        files = self._current()
        path = request.path
        if path.startswith(ASSETS_PREFIX):
            version, _, name = path[len(ASSETS_PREFIX):].partition("/")
            asset = files.assets.get(name)
            if asset is None:
                return problem_response(404, "No such file of the web UI.", instance=path)
            if version != files.version:
                # An old page asking for its old files after a deploy: today's file, but
                # not cached for good under a URL that meant other bytes.
                return _revalidated(asset).response(request, _PAGE_HEADERS)
            return asset.response(request, _PAGE_HEADERS)
        last = path.rpartition("/")[2]
        if "." in last:
            asset = files.top_level.get(last) if path.count("/") == 1 else None
            if asset is None:
                return problem_response(404, None, instance=path)
            return asset.response(request, _PAGE_HEADERS)
        return files.index.response(request, _PAGE_HEADERS)


def _revalidated(asset: Asset) -> Asset:
    return Asset(asset.body, asset.content_type, _REVALIDATE, asset.etag, asset.gzip, asset.br)


def find_web_root(configured: str) -> Path | None:
    """The configured folder, or else the ``web/`` of the repository this gateway runs from
    (the workspace installs it in place); None when there is none: ``/`` then answers the
    gateway's placeholder page."""
    if configured:
        root = Path(configured)
        return root if (root / "index.html").is_file() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "web"
        if (candidate / "index.html").is_file() and (parent / "services").is_dir():
            return candidate
    return None
