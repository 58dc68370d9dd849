"""/sante: is the portal up, and can it reach its database? Says nothing else (no version, no
address, no error text): a load balancer or a monitor reads the status code."""

from __future__ import annotations

from litestar import Response, get

from web import panne


@get("/sante", name="sante", opt={"hors_journal": True}, cache_control=None)
async def sante() -> Response:
    try:
        await panne.verifier()
    except Exception as exc:
        if not panne.est_panne(exc):
            raise
        panne.signaler(exc)
        return Response(
            {"portail": "ok", "base": "injoignable"},
            status_code=503,
            headers={"Retry-After": str(panne.REESSAYER_APRES), "Cache-Control": "no-store"},
        )
    return Response({"portail": "ok", "base": "ok"}, headers={"Cache-Control": "no-store"})
