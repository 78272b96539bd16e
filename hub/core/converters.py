"""URL converters: ids in URLs are database integers, so larger numbers match no route (404)
instead of reaching the database and failing there (PostgreSQL refuses them with an error)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from hub.db import MAX_ID


class IdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
