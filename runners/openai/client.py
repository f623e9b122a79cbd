"""Talking to an OpenAI-compatible server: JSON gets and streamed posts, retried with backoff."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Protocol, TypeVar

import httpx

from humaneval_x.errors import InputError

RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))
T = TypeVar("T")


class ServerError(InputError):
    """The server refused a request, or gave no answer after every retry: one line, no traceback."""


class Retryable(Exception):
    """A failure worth another try: a timeout, a dropped connection, 429 or 5xx."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Reader(Protocol):
    """Consumes the events of one streamed answer."""

    def feed(self, event: dict) -> bool:
        """Take one event; True when nothing more needs to be read."""

    def complete(self) -> bool:
        """Whether every expected part of the answer has arrived."""


@dataclass(frozen=True)
class Backoff:
    """How often and how long to wait before trying a failed request again."""

    retries: int = 5
    base_s: float = 1.0
    cap_s: float = 60.0

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Exponential with jitter (half fixed, half random); at least the server's Retry-After."""
        ceiling = min(self.cap_s, self.base_s * 2**attempt)
        jittered = ceiling * (0.5 + random.random() / 2)
        return min(self.cap_s, max(jittered, retry_after_s or 0.0))


class Client:
    """An HTTP client for one server, from its base URL (with or without the trailing /v1)."""

    def __init__(
        self, base_url: str, api_key: str | None, timeout_s: float, backoff: Backoff, size: int
    ) -> None:
        self.root = base_url.rstrip("/").removesuffix("/v1")
        self.backoff = backoff
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self.http = httpx.AsyncClient(
            base_url=self.root, headers=headers, timeout=timeout_s, limits=limits
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def get_json(self, path: str) -> tuple[dict | None, httpx.Headers]:
        """A JSON object and the response headers; None for a path the server does not have."""

        async def attempt() -> tuple[dict | None, httpx.Headers]:
            response = await self.http.get(path)
            if response.status_code in (404, 405):
                return None, response.headers
            _check_status(response, response.text)
            try:
                body = response.json()
            except ValueError:
                return None, response.headers
            return (body if isinstance(body, dict) else None), response.headers

        return await self._retried(path, attempt)

    async def stream(self, path: str, body: dict, reader: Callable[[], Reader]) -> Reader:
        """Post `body` with streaming on and feed the events to a fresh reader per try, until it
        has read enough or the stream ends; a stream cut short is tried again."""

        async def attempt() -> Reader:
            fresh = reader()
            async with self.http.stream("POST", path, json={**body, "stream": True}) as response:
                if response.status_code >= 400:
                    _check_status(response, (await response.aread()).decode(errors="replace"))
                async with aclosing(_events(response)) as events:
                    async for event in events:
                        if fresh.feed(event):
                            return fresh
            if not fresh.complete():
                raise Retryable("the stream ended before the answer did")
            return fresh

        return await self._retried(path, attempt)

    async def _retried(self, path: str, attempt: Callable[[], Awaitable[T]]) -> T:
        url = f"{self.root}{path}"
        for number in itertools.count():
            try:
                return await attempt()
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise ServerError(f"--base-url {self.root!r}: {exc}") from None
            except (httpx.TransportError, Retryable) as exc:
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if number >= self.backoff.retries:
                    raise ServerError(
                        f"{url}: no answer after {number + 1} tries (last: {failure}); "
                        "check --base-url and the server, or raise --retries"
                    ) from None
                await asyncio.sleep(self.backoff.delay(number, getattr(exc, "retry_after_s", None)))


def _check_status(response: httpx.Response, text: str) -> None:
    """Raise Retryable for 408, 429 and 5xx, ServerError for another error status."""
    if response.status_code < 400:
        return
    message = f"HTTP {response.status_code}: {' '.join(text.split())[:300]}"
    if response.status_code in RETRY_STATUSES:
        raise Retryable(message, _retry_after(response.headers))
    raise ServerError(f"{response.request.url}: {message}")


def _retry_after(headers: httpx.Headers) -> float | None:
    try:
        return float(headers.get("retry-after", ""))
    except ValueError:
        return None


async def _events(response: httpx.Response) -> AsyncIterator[dict]:
    """The JSON objects of a server-sent event stream, up to `data: [DONE]`."""
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except ValueError:
            raise Retryable(f"unreadable event {data[:100]!r}") from None
        if isinstance(event, dict) and "error" in event:
            raise Retryable(f"the server reported an error: {str(event['error'])[:300]}")
        yield event
