"""Sign-in protections: CSRF tokens, login throttling, and the headers every answer carries.

OWASP's session guidance: a session cookie that scripts cannot read (HttpOnly), sent only over HTTPS (Secure)
and only by the site's own pages (SameSite=Strict), signed so it cannot be forged (Starlette's SessionMiddleware,
itsdangerous); a per-session token on every form (synchroniser-token pattern); a sign-in locked for a while after
repeated failures, by account and by address, so passwords cannot be guessed at speed.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from typing import Any, MutableMapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_HOURS = 8  # a working day; then sign in again
LOGIN_FAILURES = 5  # failed sign-ins allowed within the window, per account and per address
LOGIN_WINDOW = 15 * 60  # seconds

# Vega compiles its expressions with Function(), hence 'unsafe-eval'; nothing inline runs ('self' only).
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


class SecurityHeaders:
    """Adds HEADERS to every answer that does not set them itself. Plain ASGI middleware: Starlette's
    BaseHTTPMiddleware cost a cached page about a millisecond in task and stream plumbing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's form token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def csrf_ok(session: MutableMapping[str, Any], sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent and secrets.compare_digest(str(expected), sent))


class Throttle:
    """Failed sign-ins per key (an account, an address) within a sliding window."""

    def __init__(self, limit: int = LOGIN_FAILURES, window: float = LOGIN_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> float:
        """Seconds until a sign-in is allowed again for these keys (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [times[0] + self.window - now for k in keys
                     if len(times := self._recent(k, now)) >= self.limit]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, account_key: str) -> None:
        with self._lock:
            self._failures.pop(account_key, None)
