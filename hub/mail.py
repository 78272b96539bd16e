"""Outgoing e-mail over SMTP (HUB_MAIL_*). Only the scheduler sends, from the outbox (hub/outbox).

Nothing here logs: the outbox logs a failure by its row and the kind of failure, never the
address, subject or body (an SMTP error's text can name the recipient).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import Flask, current_app

TIMEOUT = 20  # seconds for connecting and for each answer of the mail server


def mail_configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("MAIL_SERVER"))


def new_message_id(config) -> str:
    """A Message-ID in the sender's domain, made once per message and kept for every attempt."""
    return make_msgid(domain=parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or None)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    message_id: str


class MailFailed(Exception):
    """A mail not sent: `label` names the kind of failure (no personal data), `permanent` says
    whether trying again can help, and `connection` that the server itself is out of reach."""

    def __init__(self, label: str, *, permanent: bool = False, connection: bool = False) -> None:
        super().__init__(label)
        self.label = label
        self.permanent = permanent
        self.connection = connection


def compose(config, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body)
    return message


def _label(error: BaseException) -> str:
    code = getattr(error, "smtp_code", None) or getattr(error, "errno", None) or ""
    return f"{type(error).__name__} {code}".strip()[:100]


class Smtp:
    """One connection to the mail server for a run of mails, opened at the first and opened
    again after one broke; use as a context manager."""

    def __init__(self, config) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Smtp:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=TIMEOUT)
        try:
            if config["MAIL_STARTTLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, mail: Mail) -> None:
        """Hand `mail` to the mail server, or raise MailFailed."""
        try:
            if self._smtp is None:
                self._smtp = self._open()
            self._smtp.send_message(compose(self.config, mail))
        except smtplib.SMTPRecipientsRefused as error:  # the connection is still good
            codes = [code for code, _text in error.recipients.values()]
            label = f"{type(error).__name__} {max(codes, default='')}".strip()
            raise MailFailed(label, permanent=_all_final(codes)) from None
        except smtplib.SMTPDataError as error:  # the message itself refused (too large, spam)
            raise MailFailed(_label(error), permanent=500 <= error.smtp_code < 600) from None
        except (smtplib.SMTPException, OSError) as error:
            # Connecting, TLS, logging in, a refused sender address, a dropped connection: the
            # server or our settings, not this mail. Tried again later, on a new connection.
            self.close()
            raise MailFailed(_label(error), connection=True) from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _all_final(codes: list[int]) -> bool:
    return bool(codes) and all(500 <= code < 600 for code in codes)
