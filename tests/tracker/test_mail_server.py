"""The loopback SMTP server fixture: the mail queue delivers to it, and it can go away and back."""

from datetime import datetime

from tracker import mail
from tracker.extensions import db

NOW = datetime(2026, 3, 2, 9, 0)


def _queue_one(subject="Test"):
    mail.queue(kind="reminder", to_address="a.person@example.org", subject=subject,
               text_body="Plain part", html_body="<p>HTML part</p>",
               attachment=("invite.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR"),
               now=NOW)
    db.session.commit()


def test_queued_mail_arrives_with_both_parts_and_the_attachment(app, smtp_server):
    _queue_one()
    assert mail.send_due(NOW) == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == "a.person@example.org"
    assert smtp_server.envelopes == [["a.person@example.org"]]
    assert message.get_body(("plain",)).get_content().strip() == "Plain part"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML part</p>"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"


def test_a_stopped_server_refuses_and_the_same_port_works_after_start(app, smtp_server):
    port = smtp_server.port
    smtp_server.stop()
    _queue_one()
    assert mail.send_due(NOW) == (0, 1)
    smtp_server.start()
    assert smtp_server.port == port
    assert mail.send_due(datetime(2026, 3, 2, 10, 0)) == (1, 0)
    assert len(smtp_server.messages) == 1


def test_the_sender_shows_the_service_and_the_partnership_by_name(app, smtp_server,
                                                                    partnership):
    app.config["MAIL_SENDER_NAME"] = "Safeguarding tracker"
    mail.queue(kind="digest", to_address="a.person@example.org", subject="Reminders",
               text_body="Plain part", html_body="<p>HTML part</p>",
               partnership_id=partnership.id, now=NOW)
    _queue_one()  # about no partnership

    assert mail.send_due(NOW) == (2, 0)
    sender = app.config["MAIL_DEFAULT_SENDER"]
    assert [message["From"] for message in smtp_server.messages] == [
        f'"Safeguarding tracker, {partnership.name}" <{sender}>',
        f"Safeguarding tracker <{sender}>"]
