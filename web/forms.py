"""Reading HTML forms: fields as stripped text, and the checks whose failure a person fixes.

A page that refuses a form renders it again with what was typed and the reason (HTTP 422),
so nothing typed is lost. `FormError` carries an English message id (`web.i18n`) and its
values; the template translates it in the reader's language: `_(error.message, **error.values)`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from hub.store.db import stored_integer
from web.i18n import N_
from web.params import FIRST_DAY, LAST_DAY


class FormError(ValueError):
    """A field to fix: `message` is a message id with `%(placeholders)s` filled from `values`."""

    def __init__(self, message: str, field: str | None = None, **values: Any) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.field = field
        self.values = values


async def text_fields(request: Request) -> dict[str, str]:
    """The form's text fields, stripped; uploads are left out (read them with `upload`)."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def upload(form: FormData, name: str) -> UploadFile | None:
    """The file sent as `name`, if one was chosen (read it with `.file.read`, off the loop)."""
    found = form.get(name)
    return found if isinstance(found, UploadFile) and found.filename else None


def optional_date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError as exc:
        raise FormError(N_("Date must be given as YYYY-MM-DD."), field) from exc
    if not FIRST_DAY <= found <= LAST_DAY:
        raise FormError(N_("Give a date from %(first)s to %(last)s."), field, first=FIRST_DAY, last=LAST_DAY)
    return found


def required_date(value: str | None, field: str) -> date:
    found = optional_date(value, field)
    if found is None:
        raise FormError(N_("This date is required."), field)
    return found


def clock(value: str | None, field: str) -> time:
    try:
        return datetime.strptime(value or "", "%H:%M").time()  # 7:05 as well as 07:05
    except ValueError as exc:
        raise FormError(N_("Time must be given as HH:MM."), field) from exc


def whole_number(value: str | None, field: str, *, low: int = 0, high: int = 10_000) -> int:
    try:
        number = int(value or "")
    except ValueError as exc:
        raise FormError(N_("Give a whole number."), field) from exc
    if not low <= number <= high:
        raise FormError(N_("Give a number from %(low)s to %(high)s."), field, low=low, high=high)
    return number


def required_text(value: str | None, field: str) -> str:
    if not value:
        raise FormError(N_("This field is required."), field)
    return value


def month(value: str | None, field: str) -> tuple[int, int]:
    """`YYYY-MM` (what `<input type="month">` sends) as (year, month)."""
    try:
        year, number = (int(part) for part in (value or "").split("-"))
        date(year, number, 1)
    except ValueError as exc:
        raise FormError(N_("Month must be given as YYYY-MM."), field) from exc
    return year, number


def chosen_ids(form: FormData, name: str) -> list[int]:
    """The ids ticked in a group of checkboxes; anything that is no id is left out."""
    return [number for value in form.getlist(name) if (number := stored_integer(str(value))) is not None]


def chosen_id(value: str | None, field: str, message: str = N_("Choose one of the options.")) -> int:
    """The id picked in a list (`<select>`): a stored row's id or a `FormError`."""
    number = stored_integer(value or "")
    if number is None:
        raise FormError(message, field)
    return number


FormFields = Annotated[dict[str, str], Depends(text_fields)]
"""A route's parameter: the form's text fields, read (awaited) before the route runs, so the
route itself can be a plain `def` that FastAPI runs off the event loop."""


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]
"""A route's parameter: the whole form (uploads and repeated fields), read before the route runs."""
