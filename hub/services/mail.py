"""Notification mail: what it says, and sending it over SMTP with STARTTLS.

By default a mail says only that something new is waiting, with the link: a mailbox is
read by more people and kept longer than the journal, so a child's name and day go into
mail only when the site sets `mail_child_data`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from hub.config import Settings
from hub.i18n import gettext, language
from hub.refusal import N_
from hub.timefmt import from_db

SMTP_TIMEOUT_S = 15
SUBJECTS = {
    "message": N_("New message in the journal"),
    "announcement": N_("New announcement in the journal"),
    "reply_due": N_("A reply is due in the journal"),
    "arrival": N_("Arrival at the kindergarten"),
    "departure": N_("Departure from the kindergarten"),
}
WAITING = N_("Something new is waiting for you in the kindergarten's journal:")
SETTINGS_HINT = N_("You chose these notifications; change them in the journal: %(link)s")


def link(settings: Settings, path: str) -> str:
    return settings.public_url.rstrip("/") + path


def compose(settings: Settings, row: Mapping[str, object]) -> EmailMessage:
    """The mail for one outbox row (an account's address, a kind, a page, a summary), Polish
    first, English below."""
    kind, path = str(row["kind"]), str(row["path"])
    parts: dict[str, tuple[str, str]] = {}
    for code in ("pl", "en"):
        with language(code):
            lines = [gettext(WAITING), link(settings, path)]
            if settings.mail_child_data and row.get("summary"):
                lines = [str(row["summary"]), "", *lines]
            lines += ["", gettext(SETTINGS_HINT) % {"link": link(settings, "/account/notifications")}]
            parts[code] = (gettext(SUBJECTS[kind]), "\n".join(lines))
    mail = EmailMessage()
    mail["Subject"] = f"{parts['pl'][0]} / {parts['en'][0]}"
    mail["From"] = settings.mail_from or f"ewidencjoner@{settings.site}.invalid"
    mail["To"] = str(row["email"])
    mail["Date"] = format_datetime(from_db(str(row["queued_at"])))
    mail["Message-ID"] = make_msgid(domain=mail["From"].split("@")[-1])
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(f"{parts['pl'][1]}\n\n-- \n\n{parts['en'][1]}\n")
    return mail


def send_all(settings: Settings, mails: list[tuple[int, EmailMessage]]) -> dict[int, str]:
    """Send the mails over one SMTP connection; return the error of each that did not go
    (all of them when the server cannot be reached, refuses STARTTLS or the login)."""
    sent: set[int] = set()
    errors: dict[int, str] = {}
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(f"{settings.smtp_host} offers no STARTTLS")
                ca = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
                smtp.starttls(context=ssl.create_default_context(cafile=ca))
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_login_password())
            for outbox_id, mail in mails:
                try:
                    smtp.send_message(mail)
                    sent.add(outbox_id)
                except smtplib.SMTPRecipientsRefused as exc:
                    errors[outbox_id] = f"refused: {exc.recipients}"[:300]
                except smtplib.SMTPResponseException as exc:
                    errors[outbox_id] = f"{exc.smtp_code} {exc.smtp_error!r}"[:300]
    except (OSError, smtplib.SMTPException) as exc:  # ssl.SSLError is an OSError
        reason = f"{type(exc).__name__}: {exc}"[:300]
        errors.update({outbox_id: reason for outbox_id, _ in mails if outbox_id not in sent | set(errors)})
    return errors
