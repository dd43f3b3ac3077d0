"""Forgot your password? in a real Chromium, the link arriving through a real SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import _flask, serve
from tests.mailbox import Mailbox, smtp_server

pytestmark = pytest.mark.browser

EMAIL = "organizer@example.org"
OLD_PASSWORD = "an old forgotten password"
NEW_PASSWORD = "lantern over the quiet harbour"


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory) -> Iterator[tuple[str, Mailbox]]:
    """A site with one organizer whose mail goes to an aiosmtpd server, under waitress."""
    instance: Path = tmp_path_factory.mktemp("reset-instance")
    with smtp_server() as (mailbox, port):
        (instance / "config.py").write_text(
            f'MAIL_HOST = "127.0.0.1"\nMAIL_PORT = {port}\nMAIL_SECURITY = "none"\n'
            'MAIL_FROM = "Seminar site <seminar@example.org>"\n'
        )
        _flask(instance, "db", "upgrade", "heads")
        _flask(instance, "organizer", "create", EMAIL, "--name", "Olga", stdin=OLD_PASSWORD + "\n")
        with serve(instance) as url:
            yield url, mailbox


def test_password_reset_end_to_end(page: Page, mail_site):
    base, mailbox = mail_site
    page.goto(base + "/dashboard")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL.upper())
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("a link to choose a new password")
    # The server answers after the SMTP server accepted the message.
    assert mailbox.to(EMAIL), "no reset mail reached the SMTP server"
    link = mailbox.link(EMAIL)
    assert link.startswith(base + "/reset/")

    page.goto(link)
    page.get_by_label("New password", exact=True).fill("123456789012")
    page.get_by_label("New password again").fill("123456789012")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".field-error").first).to_contain_text("commonly used password")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed. Log in with it.")).to_be_visible()

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(OLD_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()

    # The link was for one use.
    response = page.goto(link)
    assert response.status == 410
