"""`email`: one message per event over SMTP (smtplib), STARTTLS or SSL; subject = the two lines.

ops-mail:
  type: email
  host: smtp.example.com
  port: 587                 # default: 587 starttls, 465 ssl, 25 none
  security: starttls        # starttls (default) | ssl | none (loopback relays only)
  username: statusmon@example.com
  password_env: SMTP_PASSWORD      # optional: no login without it
  from: statusmon@example.com
  to: [ops@example.com]
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from monitor.channels.base import Answer, AnyEvent, Message, Problems, secret, text
from monitor.channels.http import Watchdog

DEFAULT_RATE = 1.0
SECURITY = ("starttls", "ssl", "none")
PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class EmailSender(AnyEvent):
    host: str
    port: int
    security: str
    sender: str
    to: tuple[str, ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def mail(self, message: Message) -> EmailMessage:
        first, second = message.lines
        mail = EmailMessage()
        mail["Subject"] = f"{first} {second}"
        mail["From"], mail["To"] = self.sender, ", ".join(self.to)
        mail["Message-ID"] = f"<{message.event.dedup_key}@statusmon>"
        link = f"\n\n{message.event.url}" if message.event.url else ""
        mail.set_content(f"{first}\n{second}{link}\n")
        return mail

    def send(self, message: Message, deadline: float) -> Answer:
        context = ssl.create_default_context()
        smtp = (
            smtplib.SMTP_SSL(timeout=deadline, context=context)
            if self.security == "ssl"
            else smtplib.SMTP(timeout=deadline)
        )
        watchdog = Watchdog(smtp, deadline)  # the whole session, not each read, is bounded
        try:
            with watchdog, smtp:
                smtp.connect(self.host, self.port)
                if self.security == "starttls":
                    smtp.starttls(context=context)
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(self.mail(message))
        except smtplib.SMTPResponseException as exc:
            retryable = 400 <= exc.smtp_code < 500  # 4xx: try later; 5xx: refused for good
            return Answer(False, f"SMTP {exc.smtp_code}", retryable)
        except (OSError, smtplib.SMTPException) as exc:
            why = f"no answer within {deadline:g} s" if watchdog.fired else type(exc).__name__
            return Answer(False, f"SMTP failed: {why}", retryable=True)
        if refused:
            return Answer(False, f"SMTP refused {len(refused)} recipient(s)")
        return Answer(True, f"SMTP accepted for {len(self.to)} recipient(s)")


def parse(raw: Mapping[str, Any], env: Mapping[str, str], p: Problems) -> EmailSender:
    security = raw.get("security", "starttls")
    if security not in SECURITY:
        p.add("security", f"{security!r} is not one of {', '.join(SECURITY)}")
        security = "starttls"
    port = raw.get("port", PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        p.add("port", f"{port!r} is not a port number")
        port = PORTS[security]
    to = raw.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or not all(isinstance(t, str) and "@" in t for t in to):
        p.add("to", "expected one or more e-mail addresses")
        to = []
    username = raw.get("username")
    password = secret(raw, "password", env, p) if "password_env" in raw else None
    return EmailSender(
        text(raw, "host", p),
        port,
        security,
        text(raw, "from", p),
        tuple(to),
        username if isinstance(username, str) else None,
        password,
    )
