"""The hub's refusals as HTTP answers: a change it refuses (`RegistryError`) is a 422 with
its sentence, an unknown id a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel, Field

from hub.store.registry import RegistryError

T = TypeVar("T")


def refused_as_422(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return function(*args, **kwargs)
    except RegistryError as exc:
        raise HTTPException(422, str(exc)) from exc


def found_or_404(function: Callable[..., T], *args: Any) -> T:
    try:
        return function(*args)
    except RegistryError as exc:
        raise HTTPException(404, str(exc)) from exc


Reason = Annotated[str, Field(min_length=1, max_length=500)]
"""Why a card or a correction is revoked, or a day corrected: required, at most 500 characters."""


class Revocation(BaseModel):
    reason: Reason
