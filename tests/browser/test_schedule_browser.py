"""The public schedule in a real Chromium: viewer time zone and htmx paging."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_viewer_sees_talk_times_in_their_own_zone(browser, live_server):
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    page.goto(live_server + "/")
    first = page.locator("#upcoming .viewer-time").first
    expect(first).to_be_visible()
    # One line: the reader's time in New York first, then the series' time in London.
    expect(first).to_contain_text(re.compile(r"New York( \((EST|EDT)\))? · "))
    expect(first).to_contain_text(re.compile(r"London$"))
    series_time = page.locator("#upcoming time.talk-time").first
    expect(series_time).to_be_hidden()
    # The script's conversion agrees with the browser's own for the machine-readable instant.
    instant = series_time.get_attribute("datetime")
    expected_hour = page.evaluate(
        """iso => new Intl.DateTimeFormat('en-US', {hour: 'numeric', minute: '2-digit',
             timeZone: 'America/New_York'}).format(new Date(iso))""",
        instant,
    )
    expect(first).to_contain_text(expected_hour + " New York")
    assert page.locator("del.earlier-date").count() == 1
    context.close()


def test_reader_in_the_series_zone_sees_no_duplicate_time(browser, live_server):
    context = browser.new_context(timezone_id="Europe/London")
    page = context.new_page()
    page.goto(live_server + "/")
    slot = page.locator("#upcoming .viewer-time").first
    expect(slot).to_have_attribute("data-viewer-zone", "Europe/London")
    # One time, in the reader's own format, with no series time beside it.
    expect(slot).to_contain_text("London")
    expect(slot.locator(".series-time")).to_have_count(0)
    expect(page.locator("#upcoming time.talk-time").first).to_be_hidden()
    context.close()


def test_schedule_without_javascript_still_shows_series_time(browser, live_server):
    context = browser.new_context(java_script_enabled=False, timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(live_server + "/")
    expect(page.locator("#upcoming time.talk-time").first).to_be_visible()
    expect(page.locator("#upcoming .viewer-time").first).to_be_hidden()
    expect(page.locator("#upcoming li.talk")).to_have_count(2)
    expect(page.locator("#past li.talk")).to_have_count(1)
    context.close()


def test_show_more_appends_older_talks_in_place(browser, long_archive_server):
    context = browser.new_context(timezone_id="Asia/Kolkata")
    page = context.new_page()
    page.goto(long_archive_server + "/")
    talks = page.locator("#past li.talk")
    expect(talks).to_have_count(20)
    url_before = page.url
    page.get_by_role("link", name="Show older talks").click()
    expect(talks).to_have_count(40)
    assert page.url == url_before  # swapped in place, no navigation
    # The swapped-in talks get the viewer's time too.
    expect(talks.nth(30).locator(".viewer-time")).to_contain_text("Kolkata")
    page.get_by_role("link", name="Show older talks").click()
    expect(talks).to_have_count(45)
    expect(page.get_by_role("link", name="Show older talks")).to_have_count(0)
    context.close()


def test_show_more_is_a_plain_link_without_javascript(browser, long_archive_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(long_archive_server + "/")
    page.get_by_role("link", name="Show older talks").click()
    expect(page).to_have_url(re.compile(r"\?page=2#past$"))
    expect(page.locator("#past li.talk")).to_have_count(20)
    expect(page.locator("#past")).to_contain_text("Past talk 24")
    context.close()
