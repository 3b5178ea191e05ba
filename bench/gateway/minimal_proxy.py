"""A reference point for the benchmark, not a product: the least a proxy built from aiohttp's
web application and ``ClientSession`` can do (one route, one pooled client session, uvloop)
with none of the gateway's work (no token check, no header hygiene, no request id, no
metrics or log). It shows what the framework alone costs per request: the gateway, with all
of that work, is now cheaper than this, because it uses neither of the two (edge.py,
upstream_client.py).

    python bench/gateway/minimal_proxy.py PORT UPSTREAM_BASE_URL
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import aiohttp
import uvloop
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)


def main() -> None:
    port, upstream = int(sys.argv[1]), sys.argv[2].rstrip("/")

    async def proxy(request: web.Request) -> web.Response:
        async with request.app[SESSION].request(
            request.method, upstream + request.raw_path, headers=request.headers,
            allow_redirects=False,
        ) as answer:
            body = await answer.read()
            return web.Response(status=answer.status, body=body, headers={
                "Content-Type": answer.headers.get("Content-Type", "application/octet-stream")
            })

    async def session(app: web.Application) -> AsyncIterator[None]:
        app[SESSION] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit_per_host=100)
        )
        yield
        await app[SESSION].close()

    app = web.Application()
    app.cleanup_ctx.append(session)
    app.router.add_route("*", "/{tail:.*}", proxy)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None,
                loop=uvloop.new_event_loop())


if __name__ == "__main__":
    main()
