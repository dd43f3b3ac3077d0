"""Subscribing in a real Chromium: the feed address, its copy button, a talk's own file."""

import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_copy_button_puts_the_feed_address_on_the_clipboard(browser, live_server):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(live_server + "/")
    field = page.locator("input.feed-url-field")
    expect(field).to_have_value(live_server + "/series/prisec-ml/calendar.ics")
    button = page.get_by_role("button", name="Copy")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator(".copy-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == field.input_value()
    # The address is the real feed.
    with urllib.request.urlopen(field.input_value(), timeout=10) as response:
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert response.read().startswith(b"BEGIN:VCALENDAR\r\n")
    context.close()


def test_without_javascript_the_address_is_a_field_to_select(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    expect(page.locator("input.feed-url-field")).to_be_visible()
    expect(page.get_by_role("button", name="Copy")).to_be_hidden()
    subscribe = page.locator(".subscribe-links", has_text="Subscribe to the series")
    expect(subscribe.get_by_role("link", name="Google Calendar")).to_have_attribute(
        "href",
        "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F"
        + live_server.removeprefix("http://").replace(":", "%3A")
        + "%2Fseries%2Fprisec-ml%2Fcalendar.ics",
    )
    context.close()


def test_a_talk_page_downloads_its_ics(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/")
    page.locator("#upcoming .talk-title a").first.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=".ics file (Apple and others)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    content = download.path().read_bytes()
    assert b"BEGIN:VEVENT\r\n" in content
    assert b"X-WR-CALNAME" not in content
    context.close()
