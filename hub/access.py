"""Loading what a person may see: anything else answers 404, as if it did not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_babel import lazy_gettext as _l

from hub.db import get_session
from hub.errors import NotFound

T = TypeVar("T")


def get_or_404(model: type[T], ident: int, *, visible: Callable[[T], bool] | None = None) -> T:
    """The row, if it exists and `visible(row)` says this person may see it; else NotFound.

    Someone else's object and a missing one look the same, so ids reveal nothing.
    """
    row = get_session().get(model, ident)
    if row is None or (visible is not None and not visible(row)):
        raise NotFound("not_found", str(_l("We could not find that page")))
    return row
