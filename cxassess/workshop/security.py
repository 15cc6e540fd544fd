"""What keeps the served workshop safe on a client's Wi-Fi: request limits, rate limits, CSRF, headers.

Small, dependency-free pieces the app (:mod:`cxassess.workshop.app`) puts together:

- :class:`BodyLimit`: an ASGI middleware refusing request bodies over a size (413), counted as they
  stream in, whatever ``Content-Length`` claims;
- :class:`RateLimiter`: token buckets per key (a client address, a participant), thread-safe, with a
  bounded number of keys;
- :func:`csrf_ok`: the double-submit check (a random cookie repeated in the form or a header);
- :data:`SECURITY_HEADERS`: a strict content security policy, no referrer (the links carry secrets),
  no framing, no caching of answers.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

CSRF_COOKIE = "cx_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
}

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(18)


def csrf_ok(cookie: str | None, submitted: str | None) -> bool:
    """True when the form (or header) repeats the CSRF cookie: another site can make a browser post
    here, but cannot read the cookie to repeat it."""
    if not cookie or not submitted or len(cookie) > 64 or len(submitted) > 64:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())


class RateLimiter:
    """Token buckets: each key may act ``burst`` times at once, then ``rate`` times per second.

    At most ``max_keys`` keys are kept (the fullest buckets are dropped first), so a flood of
    addresses cannot grow memory without bound.
    """

    def __init__(self, rate: float, burst: float, *, max_keys: int = 10_000) -> None:
        self.rate, self.burst, self.max_keys = float(rate), float(burst), max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            if key not in self._buckets and len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            self._buckets[key] = (tokens - 1.0, now)
            return True

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (they behave as new keys anyway)."""
        full = [k for k, (t, then) in self._buckets.items() if t + (now - then) * self.rate >= self.burst]
        for key in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, before the app reads them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await _plain(send, 413, "Request too large.")
                    return
        seen = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise RequestTooLarge
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except RequestTooLarge:
            if not started:
                await _plain(send, 413, "Request too large.")


class RequestTooLarge(Exception):
    """Raised while reading a body past the limit; :class:`BodyLimit` answers it with 413."""


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every response (static files keep their own cache header)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["BodyLimit", "SecurityHeaders", "RateLimiter", "RequestTooLarge", "csrf_ok", "new_csrf_token",
           "SECURITY_HEADERS", "CSRF_COOKIE", "CSRF_FIELD", "CSRF_HEADER"]
