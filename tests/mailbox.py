"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 -- aiosmtpd's
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        return [m for m in self.messages if address in str(m["To"])]

    def link(self, address: str, pattern: str = r"https?://\S+") -> str:
        """The first link in the plain text of the last message to `address`."""
        text = self.to(address)[-1].get_body(("plain",)).get_content()
        return re.search(pattern, text).group(0)


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A mailbox and the port its SMTP server listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def mail_config(port: int) -> dict[str, object]:
    """The app settings that send mail to the server on `port`."""
    return {
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SECURITY": "none",
        "MAIL_FROM": "Seminar site <seminar@example.org>",
    }
