"""How often one person may write: room for any real conversation, too little to flood anyone.

Counted per person (their user id, from whatever phone or network) in the limiter's shared
storage (Redis in production; per worker while it is down), in a moving hour:

- **new conversations**: 10 an hour;
- **answers in a conversation**: 60 an hour;
- **"I need help now"**: 5 an hour. Asking again while an urgent conversation is open only adds
  to it (hub.messages.services), so these are taps, not conversations; past them the page still
  shows 112 and the help lines, and the person can write on in their urgent conversation.

Nothing typed is lost when a limit is reached: the form comes back with the words in it (429),
and a message kept on the phone (static/js/drafts.js) waits and is sent later.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from limits import parse

from hub.errors import DomainError
from hub.i18n import when
from hub.security import shared_counts

LIMITS = {"new": parse("10/hour"), "reply": parse("60/hour"), "urgent": parse("5/hour")}


class TooFast(DomainError):
    status = 429

    def __init__(self, wait: int):
        at = when(datetime.fromtimestamp(time.time() + wait, UTC), "time")
        super().__init__(
            "too_fast",
            str(_l("You have sent a lot in a short time. What you wrote is still here: send it at %(time)s.", time=at)),
        )
        self.wait = wait


def take(kind: str, user_id: int) -> None:
    """Count one message of this kind from this person; TooFast when they have sent their share."""
    limit, key = LIMITS[kind], f"messages/{kind}/{user_id}"
    window = shared_counts()
    if not window.hit(limit, key):
        reset = window.get_window_stats(limit, key).reset_time
        raise TooFast(max(1, int(reset - time.time()) + 1))
