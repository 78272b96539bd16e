"""Outgoing e-mail over SMTP (HUB_MAIL_*), sent after the commit and off the request's clock."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import Flask, current_app


def mail_configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("MAIL_SERVER"))


def _deliver(config: dict, message: EmailMessage, logger) -> None:
    mail_id = message["Message-ID"].strip("<>").partition("@")[0]  # with its @domain it reads as an address
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_STARTTLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        # The error's text can name the recipient: the log gets the Message-ID (the mail server's
        # log has it too) and the kind of failure, never the address, subject or body.
        code = getattr(error, "smtp_code", None) or getattr(error, "errno", None) or ""
        logger.error("could not send mail %s: %s %s", mail_id, type(error).__name__, code)
    except Exception:
        logger.exception("could not send mail %s", mail_id)


def send_mail(to: str, subject: str, body: str, *, wait: bool = False) -> threading.Thread:
    """Send in a thread, so a request that sends mail takes as long as one that does not."""
    app = current_app._get_current_object()
    message = EmailMessage()
    message["From"] = app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=parseaddr(app.config["MAIL_FROM"])[1].rpartition("@")[2] or None)
    message.set_content(body)
    thread = threading.Thread(target=_deliver, args=(dict(app.config), message, app.logger), daemon=True)
    thread.start()
    if wait:
        thread.join()
    return thread
