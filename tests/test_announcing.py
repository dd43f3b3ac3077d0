"""Announcements: the series' template, time-zone lines, the preview and sending by real SMTP."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from prisec.announcing.compose import zone_lines
from prisec.announcing.models import AnnouncementSend
from prisec.models import Series
from tests.test_series_planning import settings_form

ZONES = ["Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Shanghai"]


# ---------------------------------------------------------------- time-zone lines


def _lines(start: datetime, zones: list[str]) -> list[str]:
    return zone_lines(start, start + timedelta(hours=1), zones)


def test_zone_lines_follow_each_zones_own_dst_change():
    """Europe leaves summer time a week before America: the gap to New York is 4 hours then."""
    before = _lines(datetime(2026, 10, 21, 13, 0, tzinfo=UTC), ZONES)
    between = _lines(datetime(2026, 10, 28, 14, 0, tzinfo=UTC), ZONES)
    after = _lines(datetime(2026, 11, 4, 14, 0, tzinfo=UTC), ZONES)
    assert before == [
        "Wednesday 21 October 2026, 14:00–15:00 BST (London)",
        "Wednesday 21 October 2026, 09:00–10:00 EDT (New York)",
        "Wednesday 21 October 2026, 06:00–07:00 PDT (Los Angeles)",
        "Wednesday 21 October 2026, 21:00–22:00 CST (Shanghai)",
    ]
    assert between[:2] == [
        "Wednesday 28 October 2026, 14:00–15:00 GMT (London)",
        "Wednesday 28 October 2026, 10:00–11:00 EDT (New York)",
    ]
    assert after[:3] == [
        "Wednesday 4 November 2026, 14:00–15:00 GMT (London)",
        "Wednesday 4 November 2026, 09:00–10:00 EST (New York)",
        "Wednesday 4 November 2026, 06:00–07:00 PST (Los Angeles)",
    ]


def test_zone_line_gives_the_local_date_when_it_is_the_next_day():
    (line,) = _lines(datetime(2026, 11, 4, 18, 30, tzinfo=UTC), ["Asia/Shanghai"])
    assert line == "Thursday 5 November 2026, 02:30–03:30 CST (Shanghai)"


def test_zone_line_writes_out_an_end_on_the_next_local_day_or_after_the_clocks_change():
    (midnight,) = _lines(datetime(2026, 11, 4, 15, 30, tzinfo=UTC), ["Asia/Shanghai"])
    assert midnight == (
        "Wednesday 4 November 2026, 23:30 CST – Thursday 5 November 2026, 00:30 CST (Shanghai)"
    )
    # London's clocks go back at 02:00 BST on 25 October 2026, during this talk.
    (fold,) = _lines(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), ["Europe/London"])
    assert fold == "Sunday 25 October 2026, 01:30 BST – Sunday 25 October 2026, 01:30 GMT (London)"


# ---------------------------------------------------------------- preview


@pytest.fixture
def talk(create_series, create_talk, create_speaker, db):
    series = create_series(slug="sem", name="Privacy Seminar", timezone="Europe/London")
    speaker = create_speaker(name="Jürgen Groß", affiliation="Universität Wien")
    return create_talk(
        series=series,
        speakers=[speaker],
        start=datetime(2026, 10, 28, 14, 0, tzinfo=UTC),
        title="Differential privacy für Universität",
        abstract="We prove $\\epsilon$ bounds. <script>alert(1)</script> *New* results.",
        bio="Jürgen works at the Universität Wien.",
        registration_url="https://zoom.example/reg/1",
        livestream_url="https://youtube.example/live/1",
    )


def test_preview_shows_subject_times_links_and_copy_buttons(organizer_client, talk):
    response = organizer_client.get(f"/dashboard/talks/{talk.id}/announcement")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Privacy Seminar: Dr. Jürgen Groß, “Differential privacy für Universität”" in page
    assert "Wednesday 28 October 2026, 14:00 GMT" in page
    assert "Wednesday 28 October 2026, 10:00–11:00 EDT (New York)" in page
    assert "Wednesday 28 October 2026, 14:00–15:00 UTC" in page
    assert "https://zoom.example/reg/1" in page
    assert "https://youtube.example/live/1" in page
    assert f"/talks/{talk.id}.ics" in page
    assert "/series/sem/calendar.ics" in page
    assert "calendar.google.com" in page
    assert "Jürgen works at the Universität Wien." in page
    # Copy buttons come with the script; the texts are selectable fields without it.
    assert 'data-copy-from="announcement-subject"' in page
    assert 'data-copy-from="announcement-body"' in page
    assert "js/copy-feed.js" in page
    # The HTML part is the sanitised Markdown: emphasis kept, script gone.
    assert "<em>New</em>" in page
    assert "<script>alert(1)</script>" not in page


def test_preview_needs_a_login(client, talk):
    response = client.get(f"/dashboard/talks/{talk.id}/announcement")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# ---------------------------------------------------------------- the organizers' template


def test_settings_save_template_zones_and_address(organizer_client, talk, db):
    form = settings_form(
        name="Privacy Seminar",
        timezone="Europe/London",
        announcement_template=(
            "Hello {{ speaker_names }}!\n{% for l in zone_lines %}{{ l }}\n{% endfor %}"
        ),
        announcement_zones="Asia/Kolkata, Europe/Berlin",
        announcement_address="seminar-list@example.org",
    )
    response = organizer_client.post("/dashboard/series/sem/settings", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/announcement").get_data(as_text=True)
    assert "Hello Dr. Jürgen Groß!" in page
    assert "Wednesday 28 October 2026, 19:30–20:30 IST (Kolkata)" in page
    assert "Wednesday 28 October 2026, 15:00–16:00 CET (Berlin)" in page
    assert "New York" not in page
    assert "Send to seminar-list@example.org" not in page  # mail is not configured
    assert "Mail is not configured" in page


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ title", "The template has an error (line 1)"),
        ("{{ speaker }}", "&#39;speaker&#39; is undefined"),
        ("{{ title.__class__.__mro__ }}", "The template has an error"),
        ("{{ 1 / 0 }}", "division by zero"),
        ("{% for x in range(10**9) %}{% endfor %}", "numbers in filters go up to 10000"),
    ],
)
def test_a_broken_template_is_refused_beside_its_field(
    organizer_client, talk, db, template, message
):
    form = settings_form(
        name="Privacy Seminar", timezone="Europe/London", announcement_template=template
    )
    response = organizer_client.post("/dashboard/series/sem/settings", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    beside = page.split('id="error-announcement_template"', 1)[1].split("</span>", 1)[0]
    assert message in beside
    db.session.expire_all()
    assert db.session.get(Series, talk.series_id).announcement_template == ""


def test_a_template_that_fails_on_a_talk_gives_a_message_not_a_500(organizer_client, talk, db):
    # Stored before this check existed, or failing only on this talk's values.
    talk.series.announcement_template = "{{ speakers[3].name }}"
    db.session.commit()
    response = organizer_client.get(f"/dashboard/talks/{talk.id}/announcement")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The template has an error" in page
    assert "Fix the template in the series settings" in page


def test_unknown_zone_and_bad_address_are_refused(organizer_client, talk):
    form = settings_form(
        name="Privacy Seminar",
        timezone="Europe/London",
        announcement_zones="Europe/London\nMars/Olympus",
        announcement_address="a@example.org, b@example.org",
    )
    response = organizer_client.post("/dashboard/series/sem/settings", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not a time zone: Mars/Olympus" in page
    assert "Enter one email address" in page


# ---------------------------------------------------------------- sending by real SMTP


class Inbox:
    """An aiosmtpd handler keeping what it receives; it refuses one chosen recipient."""

    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, EmailMessage]] = []
        self.refuse: str = ""

    async def handle_RCPT(self, server, session: Session, envelope: Envelope, address, options):
        if address == self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope, parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 and a free port."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def mail_ready(app, talk, db, smtp_server):
    inbox, port = smtp_server
    app.config.update(
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=port,
        MAIL_SECURITY="none",
        MAIL_FROM="Privacy Seminar <seminar@example.org>",
    )
    talk.series.announcement_address = "list@example.org"
    db.session.commit()
    return inbox


def sends(db) -> list[AnnouncementSend]:
    db.session.expire_all()
    return db.session.query(AnnouncementSend).all()


def test_send_mails_both_parts_in_utf8_and_records_it(organizer_client, talk, mail_ready, db):
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/announcement").get_data(as_text=True)
    assert "Send to list@example.org" in page
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 303
    (envelope, message), *_ = mail_ready.messages
    assert envelope.rcpt_tos == ["list@example.org"]
    assert message["To"] == "list@example.org"
    assert message["From"] == "Privacy Seminar <seminar@example.org>"
    assert message["Subject"].startswith("Privacy Seminar: Dr. Jürgen Groß, “Differential")
    assert message["Date"]
    assert message["Message-ID"].endswith("@example.org>")
    # Non-ASCII travels encoded: the raw header is an RFC 2047 encoded word.
    raw = envelope.content.decode("ascii")
    assert "Universität" not in raw
    assert "=?utf-8?" in raw.lower()
    assert message.get_content_type() == "multipart/mixed"  # the texts, then the .ics
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text.get_content_charset() == "utf-8"
    assert "Jürgen works at the Universität Wien." in text.get_content()
    assert "Wednesday 28 October 2026, 10:00–11:00 EDT (New York)" in text.get_content()
    assert "<em>New</em>" in html.get_content()
    assert "<script>" not in html.get_content()
    (record,) = sends(db)
    assert record.recipient == "list@example.org"
    assert record.talk_version == talk.version
    assert record.organizer.email == "ada@example.org"
    assert record.message_id == message["Message-ID"]
    after = organizer_client.get(f"/dashboard/talks/{talk.id}/announcement").get_data(as_text=True)
    assert "Last sent" in after
    assert "by Ada Organizer to list@example.org" in after


def test_second_send_asks_first_and_says_when_the_last_went_out(
    organizer_client, talk, mail_ready, db
):
    organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    again = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert "This announcement already went out on" in page
    assert "Yes, send again" in page
    assert len(mail_ready.messages) == 1
    confirmed = organizer_client.post(
        f"/dashboard/talks/{talk.id}/announcement/send", data={"confirm": "yes"}
    )
    assert confirmed.status_code == 303
    assert len(mail_ready.messages) == 2
    assert len(sends(db)) == 2


def test_a_line_break_in_a_title_stays_out_of_the_subject(organizer_client, talk, mail_ready, db):
    talk.title = "Two\r\nBcc: victim@example.org"
    db.session.commit()
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 303
    (envelope, message), *_ = mail_ready.messages
    assert envelope.rcpt_tos == ["list@example.org"]
    assert message["Bcc"] is None
    assert "“Two Bcc: victim@example.org”" in message["Subject"]


def test_a_refused_connection_is_told_and_nothing_recorded(organizer_client, app, talk, db):
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=free_port(), MAIL_FROM="s@example.org")
    talk.series.announcement_address = "list@example.org"
    db.session.commit()
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was sent. The mail server at 127.0.0.1:" in page
    assert "refused the connection" in page
    assert sends(db) == []


def test_a_rejected_recipient_is_told_and_nothing_recorded(organizer_client, talk, mail_ready, db):
    mail_ready.refuse = "list@example.org"
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 422
    assert "The mail server refused to deliver to list@example.org" in response.get_data(
        as_text=True
    )
    assert mail_ready.messages == []
    assert sends(db) == []


def test_a_login_the_server_does_not_offer_is_told(organizer_client, app, talk, mail_ready, db):
    app.config["MAIL_USER"] = "seminar"
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was sent. The mail server at 127.0.0.1:" in page
    assert "does not offer logging in (AUTH)" in page
    assert sends(db) == []


# ---------------------------------------------------------------- flask remind


def test_remind_lists_unannounced_talks_missing_abstracts_and_unanswered_links(
    runner, create_series, create_talk, organizer, db
):
    from prisec.database import utcnow
    from prisec.speakerform.operations import create_link

    series = create_series(name="Reading Group")
    now = utcnow()
    soon = create_talk(series=series, start=now + timedelta(days=3), title="Soon", abstract="")
    sent = create_talk(series=series, start=now + timedelta(days=4), title="Sent", abstract="A.")
    create_talk(series=series, start=now + timedelta(days=12), title="Later", abstract="")
    far = create_talk(series=series, start=now + timedelta(days=40), title="Far", abstract="")
    create_talk(series=series, start=now - timedelta(days=2), title="Past", abstract="")
    db.session.add(
        AnnouncementSend(talk=sent, talk_version=sent.version, recipient="l@example.org")
    )
    create_link(far, organizer)
    answered, _ = create_link(soon, organizer)
    answered.answered_at = now
    db.session.commit()
    result = runner.invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    # The dashboard's Needs attention rule (prisec/dashboard/attention.py), then open links.
    unannounced, lacking, links = result.output.split("\n\n")
    assert unannounced.startswith("Talks in the next 7 days with no announcement sent:")
    assert "“Soon”" in unannounced
    assert f"/dashboard/talks/{soon.id}/announcement" in unannounced
    assert "“Sent”" not in unannounced
    assert "“Later”" not in unannounced
    assert lacking.startswith("Published talks in the next 14 days that lack something:")
    assert "“Soon”" in lacking
    assert "“Later”" in lacking
    assert "Add the abstract" in lacking
    assert "“Far”" not in lacking
    assert "“Past”" not in lacking
    assert links.startswith("Speaker links not yet answered:")
    assert "“Far”" in links
    assert "“Soon”" not in links


def test_remind_send_mails_the_organizers(runner, app, create_talk, organizer, smtp_server):
    inbox, port = smtp_server
    create_talk(start=datetime.now(UTC) + timedelta(days=2), title="Soon", abstract="")
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_FROM="s@example.org")
    result = runner.invoke(args=["remind", "--send"])
    assert result.exit_code == 0, result.output
    assert "Sent to ada@example.org." in result.output
    (envelope, message), *_ = inbox.messages
    assert envelope.rcpt_tos == ["ada@example.org"]
    assert "“Soon”" in message.get_body(("plain",)).get_content()


def test_remind_send_without_mail_settings_fails_loudly(runner, create_talk, organizer):
    create_talk(start=datetime.now(UTC) + timedelta(days=2), abstract="")
    result = runner.invoke(args=["remind", "--send"])
    assert result.exit_code == 1
    assert "Mail is not configured" in result.output


def test_remind_with_nothing_due(runner):
    result = runner.invoke(args=["remind", "--send"])
    assert result.exit_code == 0
    assert result.output == "Nothing is due.\n"


# ---------------------------------------------------------------- header injection (issue 19)

# "Subject\r\nBcc: enc@evil.example" as an RFC 2047 encoded word: the finding's payload.
ENCODED_BREAK = "=?utf-8?b?U3ViamVjdA0KQmNjOiBlbmNAZXZpbC5leGFtcGxl?="
# Each would end a header line once decoded or as it stands.
HEADER_BREAKS = {
    "encoded-word": f"Talk {ENCODED_BREAK}",
    "encoded-word-q": "Talk =?utf-8?q?x=0D=0ABcc:_q@evil.example?=",
    "encoded-line-separator": "Talk =?utf-8?b?4oCoQmNjOiBsc0BldmlsLmV4YW1wbGU=?=",
    "crlf": "Talk\r\nBcc: raw@evil.example",
    "lf": "Talk\nBcc: raw@evil.example",
    "line-separator": "Talk\u2028Bcc: ls@evil.example",
    "paragraph-separator": "Talk\u2029Bcc: ps@evil.example",
    "next-line": "Talk\x85Bcc: nel@evil.example",
    "vertical-tab": "Talk\x0bBcc: vt@evil.example",
}


def received_headers(envelope) -> list[str]:
    """The names of the headers of a message as the SMTP server received it, in order."""
    head = envelope.content.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if line and line[0] not in " \t"]


def test_an_encoded_line_break_in_a_stored_title_sends_nothing(
    organizer_client, talk, mail_ready, db
):
    # Stored before the form refused it, or brought in by an import: the mail layer refuses.
    talk.title = ENCODED_BREAK
    db.session.commit()
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 422
    assert "Nothing was sent. The Subject of this mail would hold a line break" in (
        response.get_data(as_text=True)
    )
    assert mail_ready.messages == []
    assert sends(db) == []


@pytest.mark.parametrize("where", ["series", "speaker", "honorific"])
def test_an_encoded_line_break_in_any_stored_name_sends_nothing(
    organizer_client, talk, mail_ready, db, where
):
    if where == "series":
        talk.series.name = f"Seminar {ENCODED_BREAK}"
    elif where == "speaker":
        talk.speakers[0].name = ENCODED_BREAK
    else:
        talk.speakers[0].honorific = "=?utf-8?q?Dr=0D=0ABcc:_h@evil.example?="  # 40 at most
    db.session.commit()
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 422
    assert mail_ready.messages == []


def test_what_the_server_receives_has_only_our_headers(organizer_client, talk, mail_ready, db):
    # Encoded words that decode to ordinary text still travel, encoded, in one header.
    talk.title = "Caf=?utf-8?q?=C3=A9?= and =?utf-8?b?w7xiZXI=?= privacy"
    db.session.commit()
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 303
    (envelope, message), *_ = mail_ready.messages
    assert envelope.rcpt_tos == ["list@example.org"]
    assert received_headers(envelope) == [
        "Subject", "From", "To", "Date", "Message-ID", "MIME-Version", "Content-Type"
    ]  # fmt: skip
    assert message["Bcc"] is None


@pytest.mark.parametrize("value", HEADER_BREAKS.values(), ids=HEADER_BREAKS.keys())
def test_the_mail_layer_refuses_a_header_that_would_break(value):
    from prisec.announcing.mail import MailError, MailSettings, build_message

    settings = MailSettings("127.0.0.1", 25, "none", "", "", "Seminar <s@example.org>")
    with pytest.raises(MailError, match="would hold a line break"):
        build_message(settings, "list@example.org", value, "text", "<p>html</p>", "example.org")
    with pytest.raises(MailError):
        build_message(settings, f"{value}@example.org", "Subject", "t", "<p>h</p>", "example.org")


def test_the_mail_layer_refuses_a_message_whose_written_headers_differ():
    # Whatever the mail package of this Python writes, what would reach the server is read
    # back: a header that was not given means nothing is sent.
    from prisec.announcing.mail import MailError, check_headers

    message = EmailMessage()
    message["Subject"] = "Hello"
    message.set_content("x")
    message._headers[0] = ("Subject", "Hello\r\nBcc: late@evil.example")  # as a faulty folder would
    with pytest.raises(MailError):
        check_headers(message)


@pytest.mark.parametrize("value", HEADER_BREAKS.values(), ids=HEADER_BREAKS.keys())
def test_talk_titles_and_speaker_names_that_would_break_a_header_are_refused(
    organizer_client, create_series, db, value
):
    from prisec.models import Talk
    from tests.test_talk_form import error_of, talk_form

    create_series(slug="hdr", name="Header Seminar", timezone="Europe/London")
    for field in ("title", "speakers-0-name", "speakers-0-honorific"):
        # An honorific holds 40 characters: a shorter encoded word of the same kind.
        short = "=?utf-8?q?Dr=0D=0ABcc:_h@evil.example?="
        value_here = short if field.endswith("honorific") and len(value) > 40 else value
        response = organizer_client.post(
            "/dashboard/series/hdr/talks/new", data=talk_form(**{field: value_here})
        )
        assert response.status_code == 422, field
        assert "Use a single line" in error_of(response.get_data(as_text=True), field)
    db.session.expire_all()
    assert db.session.query(Talk).count() == 0


@pytest.mark.parametrize("value", HEADER_BREAKS.values(), ids=HEADER_BREAKS.keys())
def test_series_names_and_addresses_that_would_break_a_header_are_refused(
    organizer_client, talk, db, value
):
    for field, posted in (
        ("name", value),
        ("announcement_address", f"{ENCODED_BREAK}@example.org"),
    ):
        form = settings_form(timezone="Europe/London", **{field: posted})
        response = organizer_client.post("/dashboard/series/sem/settings", data=form)
        assert response.status_code == 422, field
        page = response.get_data(as_text=True)
        beside = page.split(f'id="error-{field}"', 1)[1].split("</span>", 1)[0]
        assert "Use a single line" in beside
    db.session.expire_all()
    assert db.session.get(Series, talk.series_id).name == "Privacy Seminar"


def test_a_plan_slot_that_would_break_a_header_is_refused(organizer_client, create_series, db):
    from prisec.models import Talk

    create_series(slug="weekly", timezone="Europe/London", recurrence_weeks=1, recurrence_weekday=2)
    html = organizer_client.get("/dashboard/series/weekly/plan").get_data(as_text=True)
    day = re.search(r'id="slot-(\d{4}-\d{2}-\d{2})"', html).group(1)
    for field in ("speaker", "title"):
        data = {"day": day, "speaker": "Nicolas Papernot", "title": "Trustworthy ML"}
        data[field] = f"Trustworthy {ENCODED_BREAK}"
        response = organizer_client.post("/dashboard/series/weekly/plan/slot", data=data)
        assert response.status_code == 422
        assert "Use a single line" in response.get_data(as_text=True)
    assert db.session.query(Talk).count() == 0


def test_a_speakers_proposed_title_that_would_break_a_header_is_refused(
    organizer_client, client, talk, db
):
    from prisec.speakerform.models import SpeakerProposal
    from tests.test_speakerform import new_link, speaker_post

    path = new_link(organizer_client, talk)
    response = speaker_post(client, path, title=f"Compilers {ENCODED_BREAK}")
    assert response.status_code == 422
    assert "Use a single line" in response.get_data(as_text=True)
    assert db.session.query(SpeakerProposal).count() == 0


# ---------------------------------------------------------------- template bounds (issue 19)

OVER_THE_OUTPUT_BOUND = {
    # The finding: accepted, and a 10 MB preview.
    "repeat-string": "{{ 'x' * 5000000 }}",
    "repeat-list": "{{ [title] * 1000000 }}",
    "loop": "{% for i in range(10000) %}{{ 'y' * 100 }}{% endfor %}",
    "loop-over-the-abstract": "{% for i in range(50) %}{{ abstract }}{% endfor %}",
    "doubling-join": (
        "{% set ns = namespace(s='xy') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
    ),
    "doubling-plus": (
        "{% set ns = namespace(s='xy') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}"
    ),
    "wide-format": "{{ '%0999999999d' % 1 }}",
    "wide-format-method": "{{ '{:>999999999}'.format(1) }}",
    "replace-amplifies": "{{ abstract|replace('', 'x' * 1000) }}",
    "join-amplifies": "{{ range(5000)|join('x' * 1000) }}",
    "center": "{{ title|center(1000000000) }}",
    "method-center": "{{ title.center(1000000000) }}",
    "power": "{{ 10 ** 100000000 }}",
}


@pytest.mark.parametrize(
    "template", OVER_THE_OUTPUT_BOUND.values(), ids=OVER_THE_OUTPUT_BOUND.keys()
)
def test_a_template_past_the_output_bound_is_refused_beside_its_field(
    organizer_client, talk, db, template
):
    form = settings_form(
        name="Privacy Seminar", timezone="Europe/London", announcement_template=template
    )
    response = organizer_client.post("/dashboard/series/sem/settings", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert len(page) < 200_000
    beside = page.split('id="error-announcement_template"', 1)[1].split("</span>", 1)[0]
    assert "200 KB" in beside or "numbers" in beside or "power" in beside, beside
    db.session.expire_all()
    assert db.session.get(Series, talk.series_id).announcement_template == ""


def test_a_template_past_the_time_bound_is_refused_beside_its_field(organizer_client, talk, db):
    # A thousand million turns of an empty loop: it would never end, and writes nothing.
    template = (
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    )
    form = settings_form(
        name="Privacy Seminar", timezone="Europe/London", announcement_template=template
    )
    response = organizer_client.post("/dashboard/series/sem/settings", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    beside = page.split('id="error-announcement_template"', 1)[1].split("</span>", 1)[0]
    assert "takes longer than 2 seconds" in beside


def test_a_stored_template_past_the_bound_shows_a_message_not_a_huge_preview(
    organizer_client, talk, mail_ready, db
):
    # Stored before the bound existed: the preview and the send say why, and send nothing.
    talk.series.announcement_template = "{{ 'x' * 5000000 }}"
    db.session.commit()
    preview = organizer_client.get(f"/dashboard/talks/{talk.id}/announcement")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert len(page) < 200_000
    assert "The template writes more than 200 KB" in page
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/announcement/send")
    assert response.status_code == 422
    assert mail_ready.messages == []


def test_ordinary_templates_stay_within_the_bounds(organizer_client, talk, db):
    template = (
        "{{ series_name|upper }}: {{ speaker_names }}\n{{ title|truncate(60) }}\n"
        "{{ title|center(80) }}\n{{ abstract|wordwrap(72)|indent(4) }}\n"
        "{% for s in speakers %}- {{ s.name }} ({{ s.affiliation|default('') }})\n{% endfor %}"
        "{{ '%s, %s' % (when, when_utc) }} {{ ', '.join(zone_lines) }} {{ '-' * 72 }}"
    )
    form = settings_form(
        name="Privacy Seminar", timezone="Europe/London", announcement_template=template
    )
    response = organizer_client.post("/dashboard/series/sem/settings", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/announcement").get_data(as_text=True)
    assert "PRIVACY SEMINAR: Dr. Jürgen Groß" in page
    assert "- Dr. Jürgen Groß (Universität Wien)" in page
    assert "-" * 72 in page


# ---------------------------------------------------------------- plain text and calendar file

LONG_LINK = "https://zoom.example/webinar/register/" + "WN_" + "a1B2c3D4" * 30


def test_markdown_becomes_plain_text_with_bare_links_and_readable_maths():
    from prisec.announcing.plaintext import markdown_to_mail_text

    text = markdown_to_mail_text(
        "## Abstract\n\n"
        "We prove **tight** $\\varepsilon$ bounds, see [the paper](https://arxiv.org/abs/1) "
        "and <https://example.org/a>. Prices \\*in stars\\* and `code`.\n\n"
        "- one [https://example.org/b](https://example.org/b)\n- two\n\n"
        "Add it: <https://calendar.example/add?text=Ada%3A%20%CE%B5-DP&x=1>\n\n"
        "1. first\n2. second\n"
    )
    assert text == (
        "Abstract\n\n"
        "We prove tight ε bounds, see the paper (https://arxiv.org/abs/1) "
        "and https://example.org/a. Prices *in stars* and code.\n\n"
        "- one https://example.org/b\n- two\n\n"
        "Add it: https://calendar.example/add?text=Ada%3A%20%CE%B5-DP&x=1\n\n"
        "1. first\n2. second\n"
    )


def test_quotes_code_images_rules_and_loose_lists_leave_no_markup():
    from prisec.announcing.plaintext import RULE, markdown_to_mail_text

    text = markdown_to_mail_text(
        "# Big\n\n> quoted **bold**\n> more\n\n```\ncode\n```\n\n"
        "![a photo](https://example.org/p.jpg)\n\n* loose one\n\n* loose two\n"
        "  - nested [x](https://x.org)\n\n***\n\n"
        "__under__ <mailto:a@b.org> [mail](mailto:a@b.org)\n"
    )
    assert text == (
        "Big\n\n    quoted bold\n    more\n\n    code\n\n"
        "a photo (https://example.org/p.jpg)\n\n- loose one\n\n- loose two\n\n"
        f"  - nested x (https://x.org)\n\n{RULE}\n\nunder a@b.org mail (a@b.org)\n"
    )


@pytest.fixture
def maths_talk(create_series, create_talk, create_speaker, app, db):
    """A talk whose title holds maths and whose abstract is full of Markdown."""
    series = create_series(
        slug="dp",
        name="DP Seminar",
        timezone="Europe/London",
        announcement_zones="Europe/London\nAmerica/Los_Angeles",
        announcement_address="list@example.org",
    )
    return create_talk(
        series=series,
        speakers=[create_speaker(name="Ada Lovelace", honorific="")],
        start=datetime(2027, 6, 9, 12, 0, tzinfo=UTC),
        title="$\\varepsilon$-DP in practice",
        abstract=(
            "# Overview\n\nWe show **strong** and _weak_ results on $\\delta$, "
            "joint with [Bob](https://example.org/bob). Costs \\$5.\n"
        ),
        registration_url=LONG_LINK,
    )


def _parts(message: EmailMessage) -> tuple[str, str, EmailMessage]:
    # Lines end in CRLF on the wire; read them as Python's text does.
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    (calendar,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return text, html, calendar


def test_the_mail_is_plain_text_in_every_zone_with_the_talks_calendar_file(
    app, organizer_client, client, maths_talk, db
):
    from icalendar import Calendar

    from tests.mailbox import mail_config, smtp_server

    with smtp_server() as (mailbox, port):
        app.config.update(mail_config(port))
        response = organizer_client.post(f"/dashboard/talks/{maths_talk.id}/announcement/send")
        assert response.status_code == 303
        (message,) = mailbox.to("list@example.org")
    assert message.get_content_type() == "multipart/mixed"
    assert "ε-DP in practice" in str(message["Subject"])
    text, html, attachment = _parts(message)

    # Plain text: no Markdown syntax, links as bare addresses, maths as Unicode.
    for markup in ("**", "](", "\\", "<http", "_weak_", "$"):
        assert markup not in text.replace("$5", ""), markup
    assert not [line for line in text.splitlines() if line.startswith("#")]
    assert '"ε-DP in practice"' in text
    assert "We show strong and weak results on δ, joint with Bob (https://example.org/bob)." in text
    assert "Costs $5." in text
    assert f"Register: {LONG_LINK}\n" in text  # the whole link, on its line
    assert re.search(
        rf"^Add to your calendar: http://\S+/talks/{maths_talk.id}\.ics \(calendar file\),$",
        text,
        re.M,
    )
    # A link whose address holds encoded spaces stays one unbroken address.
    assert re.search(r"^https://calendar\.google\.com/\S+ \(Google Calendar\),$", text, re.M)
    # Start and end in each chosen zone, and in UTC.
    assert "- Wednesday 9 June 2027, 13:00–14:00 BST (London)\n" in text
    assert "- Wednesday 9 June 2027, 05:00–06:00 PDT (Los Angeles)\n" in text
    assert "- Wednesday 9 June 2027, 12:00–13:00 UTC\n" in text
    # The HTML part stays rendered.
    assert "<strong>strong</strong>" in html
    assert '<a href="https://example.org/bob"' in html

    # The calendar file: METHOD:PUBLISH, the same event (UID, SEQUENCE) as the talk's feed.
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_param("charset") == "UTF-8"
    assert attachment.get_filename() == f"talk-{maths_talk.id}.ics"
    attached = Calendar.from_ical(attachment.get_content())
    assert attached["METHOD"] == "PUBLISH"
    feed = Calendar.from_ical(client.get(f"/talks/{maths_talk.id}.ics").data)
    (event,) = attached.walk("VEVENT")
    (fed,) = feed.walk("VEVENT")
    assert event["UID"] == fed["UID"]
    assert event["SEQUENCE"] == fed["SEQUENCE"]
    assert str(event["SUMMARY"]) == "Ada Lovelace: ε-DP in practice"


def test_a_rescheduled_talk_announces_its_new_sequence(
    app, organizer_client, client, maths_talk, db
):
    from icalendar import Calendar

    from prisec import editing
    from tests.mailbox import mail_config, smtp_server

    editing.reschedule_talk(maths_talk, maths_talk.start + timedelta(days=7))
    db.session.commit()
    with smtp_server() as (mailbox, port):
        app.config.update(mail_config(port))
        organizer_client.post(f"/dashboard/talks/{maths_talk.id}/announcement/send")
        (message,) = mailbox.to("list@example.org")
    text, _, attachment = _parts(message)
    assert "- Wednesday 16 June 2027, 13:00–14:00 BST (London)\n" in text
    (event,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    (fed,) = Calendar.from_ical(client.get(f"/talks/{maths_talk.id}.ics").data).walk("VEVENT")
    assert event["SEQUENCE"] == fed["SEQUENCE"] == 1


def test_an_attachment_name_cannot_smuggle_a_header():
    from prisec.announcing.mail import CalendarAttachment, MailSettings, build_message

    settings = MailSettings("127.0.0.1", 25, "none", "", "", "Seminar <s@example.org>")
    attachment = CalendarAttachment('x.ics"\r\nBcc: a@evil.example', b"BEGIN:VCALENDAR\r\n")
    message = build_message(
        settings, "list@example.org", "Subject", "t", "<p>h</p>", "example.org", attachment
    )
    written = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert all(part["Bcc"] is None for part in written.walk())
    (part,) = written.iter_attachments()
    assert part.get_filename() == "x.icsBccaevil.example"
