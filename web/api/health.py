"""`/api/health`: is ingest connected and keeping up; no login, for monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request

from web.api.models import Health

router = APIRouter(prefix="/api")


@router.get(
    "/health",
    summary="Is ingest connected and keeping up (stalled: a message waits uncommitted), what has it "
    "handled (no login: for monitoring)",
    response_model_exclude_unset=True,
)
async def api_health(request: Request) -> Health:
    """Async: it reads ingest's counters in memory, never the database."""
    ingest_state = request.app.state.ingest_state
    return Health.model_validate(ingest_state() if ingest_state else {})
