"""`flask mail-sink`: a local SMTP server for development that keeps each message as a file.

`make run` starts it beside the development server and the scheduler, and development mail
(config.DevelopmentConfig: localhost:8025) goes to it, so a newcomer can read every reminder
and invitation the demo sends under instance/mail/ (one .eml file each: open it in a mail
program or a text editor). It never relays anything anywhere.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


class _SaveToFolder:
    """aiosmtpd handler: write each message to the folder as <time>-<n>.eml."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{next(self.numbers):04d}.eml"
        path.write_bytes(envelope.content)
        click.echo(f"mail-sink: saved {path.name} for {', '.join(envelope.rcpt_tos)}")
        return "250 Message accepted for delivery"


@click.command("mail-sink")
@click.option("--port", default=8025, show_default=True, help="Port to listen on.")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path),
              help="Where to keep messages (default: instance/mail).")
@with_appcontext
def mail_sink(port, folder):
    """Receive development mail on 127.0.0.1 and keep each message as a file."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError as error:  # installed with the development requirements only
        raise click.ClickException("aiosmtpd is not installed: run `make install`.") from error
    folder = folder or Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToFolder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    click.echo(f"mail-sink: listening on 127.0.0.1:{port}, keeping messages in {folder}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def init_app(app):
    """Register the command."""
    app.cli.add_command(mail_sink)
