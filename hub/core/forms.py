"""What every form shares: putting a service's field messages beside the fields."""

from __future__ import annotations


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
