"""`/api/health`: is ingest connected and keeping up; no login, for monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(prefix="/api")


@router.get(
    "/health",
    summary="Is ingest connected and keeping up (stalled: a message waits uncommitted), what has it "
    "handled (no login: for monitoring)",
)
async def api_health(request: Request) -> dict[str, object]:
    """Async: it reads ingest's counters in memory, never the database."""
    ingest_state = request.app.state.ingest_state
    return ingest_state() if ingest_state else {}
