"""Where uploaded files live: a ``FileStore`` with server-chosen names.

A caller never names a file. ``put`` picks a random name (128 bits, so names are unguessable
and never collide, and a URL built from one can be cached for ever), with the extension of
the content type. ``get`` and ``delete`` accept only names of that exact shape, so a name
taken from a URL can never walk out of the store (``../``, absolute paths, other extensions).

``LocalFileStore`` keeps the files in a directory, the embedded default. An S3-compatible
store implements the same protocol for deployments with several replicas.

``file_response`` serves a stored file the one safe way, whichever service stores it.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from starlette.responses import Response

EXTENSIONS = {"image/webp": "webp", "image/png": "png", "image/jpeg": "jpg"}
CONTENT_TYPES = {ext: content_type for content_type, ext in EXTENSIONS.items()}
_NAME = re.compile(r"^[0-9a-f]{32}\.(?P<ext>webp|png|jpg)$")


class FileNotFound(LookupError):
    """No file of that name in the store (or not a name the store could have made)."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    name: str
    content_type: str
    data: bytes


# An uploaded file must never be read as anything but the image it is: no sniffing, no
# scripts or styles even if a browser opened it as a page. A name is never reused, so the
# file can be cached for a year.
SERVED_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
}


def file_response(stored: StoredFile) -> Response:
    """The answer that serves ``stored``: its bytes, its type, ``SERVED_FILE_HEADERS``."""
    return Response(stored.data, media_type=stored.content_type, headers=SERVED_FILE_HEADERS)


class FileStore(Protocol):
    async def put(self, data: bytes, *, content_type: str) -> str:
        """Store ``data`` and return the name the store chose for it."""
        ...

    async def get(self, name: str) -> StoredFile:
        """The file called ``name``; ``FileNotFound`` if there is none."""
        ...

    async def delete(self, name: str) -> None:
        """Remove ``name``; removing a missing file is not an error."""
        ...


def new_file_name(content_type: str) -> str:
    try:
        extension = EXTENSIONS[content_type]
    except KeyError:
        raise ValueError(f"unsupported content type {content_type!r}") from None
    return f"{secrets.token_hex(16)}.{extension}"


def content_type_of(name: str) -> str:
    """The content type a store name stands for; ``FileNotFound`` if it is not a store name."""
    match = _NAME.match(name)
    if match is None:
        raise FileNotFound(name)
    return CONTENT_TYPES[match["ext"]]


class LocalFileStore:
    """Files in one directory. Writes are atomic (temporary file, then rename), so a reader
    never sees half a file. Blocking file I/O runs in a worker thread."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        content_type_of(name)  # refuses anything that is not a plain store name
        return self.directory / name

    async def put(self, data: bytes, *, content_type: str) -> str:
        name = new_file_name(content_type)
        await asyncio.to_thread(self._write, name, data)
        return name

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, self.directory / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def get(self, name: str) -> StoredFile:
        path = self._path(name)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            raise FileNotFound(name) from None
        return StoredFile(name=name, content_type=content_type_of(name), data=data)

    async def delete(self, name: str) -> None:
        try:
            path = self._path(name)
        except FileNotFound:
            return
        await asyncio.to_thread(path.unlink, missing_ok=True)
