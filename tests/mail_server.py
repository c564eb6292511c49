"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives, for tests.

`smtp_server` (the fixture in tests/conftest.py) starts one on a free port and points the
app's MAIL_SERVER / MAIL_PORT at it; `stop()` and `start()` take it down and bring it back on
the same port, so a test can make sends fail and then succeed.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing is listening on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class _Collector:
    """aiosmtpd handler: parse each message and keep it, with the envelope's recipients."""

    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_DATA(self, smtp_server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server._received(message, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SMTPServer:
    """An SMTP server on HOST:port; `messages` are the parsed e-mails, in arrival order."""

    def __init__(self, port: int | None = None):
        self.host = HOST
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []  # RCPT TO addresses, one list per message
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def _received(self, message: EmailMessage, rcpt_tos: list[str]) -> None:
        with self._lock:
            self.messages.append(message)
            self.envelopes.append(rcpt_tos)

    @property
    def running(self) -> bool:
        """Whether the server is accepting connections now."""
        return self._controller is not None

    def start(self) -> SMTPServer:
        """Listen on the port (the same port after a stop); a no-op if already running."""
        if self._controller is None:
            # A stopped Controller has closed its event loop, so each start makes a new one.
            controller = Controller(_Collector(self), hostname=self.host, port=self.port)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until `start()`; messages are kept."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose To header holds this address."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]
