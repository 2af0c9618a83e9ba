"""A long list shown a page at a time: which slice, how many pages, and the links between
them (each keeping the page's other query parameters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from hub.store.db import stored_integer

T = TypeVar("T")


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page of `total` items: `items`, its `number` (from 1) of `pages`."""

    items: Sequence[T]
    number: int
    pages: int
    total: int
    param: str
    query: tuple[tuple[str, str], ...]

    def url(self, number: int) -> str:
        """The address of page `number`, with the other query parameters kept."""
        kept = [(key, value) for key, value in self.query if key != self.param]
        return "?" + urlencode([*kept, *([(self.param, str(number))] if number > 1 else [])])


def paged(items: Sequence[T], query: QueryParams, param: str, size: int, *, showing: int = -1) -> Paged[T]:
    """The page of `items` the query asks for (`param`, from 1; anything else is page 1, a
    number past the end the last page); `showing`, an item's index, picks the page it is on."""
    pages = max(1, -(-len(items) // size))
    number = stored_integer(query.get(param, "")) or 1
    if showing >= 0:
        number = showing // size + 1
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Paged(items[start : start + size], number, pages, len(items), param, tuple(query.multi_items()))
