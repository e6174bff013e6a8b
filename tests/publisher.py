"""A local stand-in for a list publisher's download server, on a real port.

It serves one body per path, with an ETag and a Last-Modified derived from the body, and
answers conditional requests with 304 as a real server would. ``mode`` injects the
failures a sync must survive: a 500, a body cut short, a wrong-format page, a stall.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Literal

from aiohttp import web

from tests.local_http import listen

# Plain http is refused unless the host is named (MCF_SYNC_HTTP_MIRRORS): this stand-in's.
LOCAL_HTTP = frozenset({"127.0.0.1"})

Mode = Literal["ok", "500", "cut", "html", "slow", "no-validators", "chunked", "drip"]


@dataclass
class Publisher:
    files: dict[str, bytes] = field(default_factory=dict)
    mode: Mode = "ok"
    # How long "slow" stalls before sending anything.
    stall_s: float = 5.0
    # "drip": one byte every drip_s (each well inside any read timeout), for at most
    # drip_for_s, then the rest at once.
    drip_s: float = 0.05
    drip_for_s: float = 20.0
    # Path -> Location answered with a 302 instead of the file (relative or absolute).
    redirects: dict[str, str] = field(default_factory=dict)
    # (path, request headers) of every request, to check what the client asked.
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    runner: web.AppRunner | None = None
    port: int = 0
    # The Last-Modified of each body: the time it was first served.
    _born: dict[str, float] = field(default_factory=dict)
    _clock: float = 1_700_000_000.0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def publish(self, path: str, body: bytes) -> None:
        self.files[path] = body
        self._clock += 3600  # each new edition is an hour newer (HTTP dates are in seconds)
        self._born[path] = self._clock

    def asked(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]

    async def start(self) -> Publisher:
        app = web.Application()
        app.router.add_get("/{path:.+}", self._get)
        self.runner, self.port = await listen(app)
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _get(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.requests.append((path, dict(request.headers)))
        if path in self.redirects:
            raise web.HTTPFound(self.redirects[path])
        if path not in self.files:
            raise web.HTTPNotFound()
        body = self.files[path]
        if self.mode == "500":
            return web.Response(status=500, text="internal error")
        if self.mode == "html":
            return web.Response(
                text="<!DOCTYPE html><html><body>Service maintenance</body></html>",
                content_type="text/html",
            )
        if self.mode == "slow":
            await asyncio.sleep(self.stall_s)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = formatdate(self._born[path], usegmt=True)
        headers = {} if self.mode == "no-validators" else {"ETag": etag, "Last-Modified": modified}
        if self.mode != "no-validators" and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        if self.mode == "cut":
            response = web.StreamResponse(headers=headers)
            response.content_length = len(body)
            response.content_type = "text/csv"
            await response.prepare(request)
            await response.write(body[: len(body) // 2])
            assert request.transport is not None
            request.transport.close()  # the connection drops mid-body
            return response
        if self.mode == "drip":
            response = web.StreamResponse(headers=headers)
            response.content_type = "text/csv"
            response.enable_chunked_encoding()
            await response.prepare(request)
            loop = asyncio.get_running_loop()
            until, sent = loop.time() + self.drip_for_s, 0
            while sent < len(body) and loop.time() < until:
                await response.write(body[sent : sent + 1])
                sent += 1
                await asyncio.sleep(self.drip_s)
            await response.write(body[sent:])
            await response.write_eof()
            return response
        if self.mode == "chunked":
            response = web.StreamResponse(headers=headers)
            response.content_type = "text/csv"
            response.enable_chunked_encoding()
            await response.prepare(request)
            for i in range(0, len(body), 64 * 1024):
                await response.write(body[i : i + 64 * 1024])
            await response.write_eof()
            return response
        return web.Response(body=body, headers=headers, content_type="text/csv")
