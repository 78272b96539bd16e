"""What every form shares: ids read safely, and a service's field messages beside the fields."""

from __future__ import annotations

from hub.db import MAX_ID


def optional_id(value) -> int | None:
    """An id from a form or a query string: None when empty; anything that is not one (a word,
    "²", a number past 32 bits, which PostgreSQL refuses to compare) becomes -1, which no row has."""
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):  # int() would read "٣" as 3 and "1_0" as 10
            return -1
        number = int(text)
    return number if 0 < number <= MAX_ID else -1


class ServiceErrors:
    """Mix into a FlaskForm: the services' messages go beside their fields (a field's own
    parse error wins), and anything that belongs to no field goes above the form."""

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            target = getattr(self, name, None)
            if target is None:
                self.form_errors.append(message)
            elif not target.errors:
                target.errors = [message]
