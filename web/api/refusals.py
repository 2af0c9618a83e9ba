"""The hub's refusals as HTTP answers: a change it refuses is let through and answered 422
(`web.errors`), an id it does not find is a 404 with the same code and params."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field

from hub.refusal import Refusal
from web.errors import Refused

T = TypeVar("T")


def found_or_404(function: Callable[..., T], *args: Any) -> T:
    try:
        return function(*args)
    except Refusal as refusal:
        raise Refused(404, refusal) from refusal


Reason = Annotated[str, Field(min_length=1, max_length=500)]
"""Why a card or a correction is revoked, or a day corrected: required, at most 500 characters."""


class Revocation(BaseModel):
    reason: Reason
