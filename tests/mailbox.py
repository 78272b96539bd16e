"""A local mail server for tests (aiosmtpd on 127.0.0.1), and the scheduler's mail job run in step.

    with MailServer() as server:
        server.configure(app)           # HUB_MAIL_* point at it
        ...                             # something queues a mail in the outbox
        send_outbox(app)                # the scheduler's job, once
        [mail] = server.messages        # email.message.EmailMessage, as received

`refuse(code, …)` answers the next recipients with those codes (e.g. 450, 550) instead of 250.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from hub.db import job_session


class _Handler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.refusals: deque[int] = deque()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            code = self.refusals.popleft() if self.refusals else 250
        if code != 250:
            return f"{code} not now" if code < 500 else f"{code} no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self) -> None:
        self._handler = _Handler()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> MailServer:
        self._controller.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._controller.stop()

    def configure(self, app) -> None:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_STARTTLS=False, MAIL_USERNAME=None)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._handler.lock:
            return list(self._handler.messages)

    def refuse(self, *codes: int) -> None:
        with self._handler.lock:
            self._handler.refusals.extend(codes)


def body_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def send_outbox(app, **kwargs) -> dict:
    """The scheduler's mail job, run once, as it runs every few seconds."""
    from hub.outbox import jobs

    with app.app_context(), job_session() as session:
        return jobs.send_mail(session, **kwargs)
