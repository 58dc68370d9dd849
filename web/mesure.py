"""Server-Timing: how long the portal spent on each request, read by the benchmarks (bench/)."""

from __future__ import annotations

from time import perf_counter

from litestar.types import ASGIApp, Message, Receive, Scope, Send


class MiddlewareHttp:
    """An ASGI middleware for HTTP requests (anything else passes through): `traiter` does its work."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.traiter(scope, receive, send)

    async def traiter(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class ServerTimingMiddleware(MiddlewareHttp):
    """`Server-Timing: app;dur=<ms>`, from the request's arrival to the response's start (the
    whole body is rendered by then). Outermost, so it counts the session lookup too. It tells a
    client nothing it could not time itself."""

    async def traiter(self, scope: Scope, receive: Receive, send: Send) -> None:
        debut = perf_counter()

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                duree = f"app;dur={(perf_counter() - debut) * 1000:.2f}".encode()
                message["headers"] = [*message.get("headers", ()), (b"server-timing", duree)]
            await send(message)

        await self.app(scope, receive, envoyer)
