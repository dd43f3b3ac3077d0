"""The dashboard of a series: next talk, sections, pages, filters, Needs attention, listing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from prisec import demo
from prisec.announcing.models import AnnouncementSend
from prisec.dashboard.attention import Kind, attention_items
from prisec.database import utcnow
from prisec.models import Listing, Talk, TalkStatus
from prisec.speakerform.operations import create_link, submit
from tests.test_performance import counting_queries

NOW = datetime.now(UTC)


def section(html: str, key: str) -> str:
    """The markup of one section of the dashboard (next, attention, upcoming, drafts, past)."""
    start = html.index(f'id="{key}-heading"')
    end = html.find("</section>", start)
    return html[start:end]


def row_ids(html: str) -> list[int]:
    """The talks' ids in the order their rows stand."""
    return [int(n) for n in re.findall(r'<tr id="row-talk-(\d+)"', html)]


def test_dashboard_lists_every_talk_of_the_series_drafts_included(organizer_client, create_talk):
    published = create_talk(title="A published talk")
    draft = create_talk(series=published.series, title="A draft talk", published=False)
    response = organizer_client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for talk in (published, draft):
        assert f'id="row-talk-{talk.id}"' in html
    drafts = section(html, "drafts")
    assert f'id="row-talk-{draft.id}"' in drafts
    assert f'id="row-talk-{published.id}"' not in drafts
    row = html[html.index(f'id="row-talk-{draft.id}"') :]
    row = row[: row.index("</tr>")]
    assert "A draft talk" in row
    assert "Draft" in row
    assert "Scheduled" in row
    assert 'aria-pressed="true"' in row


def test_deleted_talks_are_in_the_trash_not_the_table(organizer_client, create_talk, db):
    talk = create_talk(title="Gone for now")
    talk.deleted_at = datetime.now(UTC)
    db.session.commit()
    html = organizer_client.get("/dashboard").get_data(as_text=True)
    assert f'id="row-talk-{talk.id}"' not in html
    trash = html[html.index('id="trash-heading"') :]
    assert "Gone for now" in trash


def test_listing_toggle_with_htmx_swaps_the_row_and_the_public_page_follows(
    organizer_client, client, create_talk, db
):
    talk = create_talk(title="Pinned talk")  # next week: upcoming by the clock
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/listing",
        data={"listing": "past"},
        headers={"HX-Request": "true", "HX-Target": f"row-talk-{talk.id}"},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<tr id="row-talk-{talk.id}"')
    assert re.search(r'value="past" class="toggle" aria-pressed="true"', fragment)
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).listing == Listing.PAST
    public = client.get(f"/series/{talk.series.slug}").get_data(as_text=True)
    past = public[public.index('id="past-heading"') :]
    assert "Pinned talk" in past


def test_listing_toggle_without_javascript_redirects_back(organizer_client, create_talk, db):
    talk = create_talk()
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/listing", data={"listing": "upcoming"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/dashboard/series/{talk.series.slug}"
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).listing == Listing.UPCOMING
    assert len(db.session.get(Talk, talk.id).revisions) == 2


def test_listing_toggle_refuses_an_unknown_listing(organizer_client, create_talk):
    talk = create_talk()
    response = organizer_client.post(f"/dashboard/talks/{talk.id}/listing", data={"listing": "x"})
    assert response.status_code == 400


def test_state_changing_request_without_csrf_token_is_refused(organizer_client, create_talk, db):
    talk = create_talk()
    del organizer_client.environ_base["HTTP_X_CSRFTOKEN"]
    for url in (
        f"/dashboard/talks/{talk.id}/listing",
        f"/dashboard/talks/{talk.id}/cancel",
        f"/dashboard/talks/{talk.id}/delete",
        "/preview",
    ):
        response = organizer_client.post(
            url, data={"listing": "past"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 400, url
        assert "CSRF" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).listing == Listing.AUTO
    assert db.session.get(Talk, talk.id).deleted_at is None


def test_demo_dashboard_renders(organizer_client, db):
    demo.seed_demo()
    html = organizer_client.get("/dashboard").get_data(as_text=True)
    assert "Privacy Auditing in Machine Learning" in html
    assert "<del" in html  # the rescheduled talk shows its earlier date here too


# ---------------------------------------------------------------- the next talk, sections


def test_the_next_talk_comes_first_and_sections_keep_their_order(organizer_client, create_talk):
    later = create_talk(title="In three weeks", start=NOW + timedelta(days=21))
    series = later.series
    soonest = create_talk(
        series=series, title="The day after tomorrow", start=NOW + timedelta(days=2)
    )
    middle = create_talk(series=series, title="Next week", start=NOW + timedelta(days=9))
    old = create_talk(series=series, title="Last month", start=NOW - timedelta(days=30))
    recent = create_talk(series=series, title="Last week", start=NOW - timedelta(days=6))
    create_talk(series=series, title="A draft", start=NOW + timedelta(days=1), published=False)
    html = organizer_client.get(f"/dashboard/series/{series.slug}").get_data(as_text=True)
    # Right under the heading: the next talk, before anything else of the page's body.
    after_title = html[html.index("</h1>") :]
    assert after_title.index('id="next-heading"') < after_title.index('class="dashboard-links"')
    next_up = section(html, "next")
    assert "The day after tomorrow" in next_up
    # A draft sooner still waits in Drafts and Needs attention; the next talk is a published one.
    assert "A draft" not in next_up
    assert "In three weeks" not in next_up
    assert row_ids(section(html, "upcoming")) == [soonest.id, middle.id, later.id]
    assert row_ids(section(html, "past")) == [recent.id, old.id]
    order = [
        html.index(f'id="{key}-heading"')
        for key in ("next", "attention", "upcoming", "drafts", "past")
    ]
    assert order == sorted(order)


def test_the_next_talk_says_what_it_lacks_and_whether_it_was_announced(
    organizer_client, create_talk, db
):
    talk = create_talk(title="Soon", start=NOW + timedelta(days=3), abstract="")
    url = f"/dashboard/series/{talk.series.slug}"
    next_up = section(organizer_client.get(url).get_data(as_text=True), "next")
    assert "Still lacks:</strong> abstract, registration link, speaker photo" in next_up
    assert "Announcement not sent." in next_up
    assert f'href="/dashboard/talks/{talk.id}/announcement"' in next_up
    db.session.add(
        AnnouncementSend(talk=talk, talk_version=talk.version, recipient="list@example.org")
    )
    db.session.commit()
    next_up = section(organizer_client.get(url).get_data(as_text=True), "next")
    assert "Announcement sent" in next_up
    assert "list@example.org" in next_up
    assert "not sent" not in next_up


def test_titles_with_maths_show_no_raw_tex(organizer_client, create_talk):
    talk = create_talk(title="$\\varepsilon$-DP in practice", start=NOW + timedelta(days=2))
    html = organizer_client.get(f"/dashboard/series/{talk.series.slug}").get_data(as_text=True)
    assert "$\\varepsilon$" not in html
    assert '<span class="math inline">\\varepsilon</span>-DP in practice' in html
    assert "List “ε-DP in practice” as past" in html


# ---------------------------------------------------------------- pages of a section


@pytest.fixture
def past_talks(app, create_talk):
    """Seven past talks, one a day, newest first in the list returned."""
    app.config["DASHBOARD_PAGE_SIZE"] = 3
    first = create_talk(title="Past 1", start=NOW - timedelta(days=1))
    talks = [first] + [
        create_talk(series=first.series, title=f"Past {i}", start=NOW - timedelta(days=i))
        for i in range(2, 8)
    ]
    return talks


def test_past_talks_come_a_page_at_a_time_newest_first(organizer_client, past_talks):
    url = f"/dashboard/series/{past_talks[0].series.slug}"
    html = organizer_client.get(url).get_data(as_text=True)
    past = section(html, "past")
    assert row_ids(past) == [t.id for t in past_talks[:3]]
    assert "Page 1 of 3" in past
    assert f'href="{url}?page=2#section-past"' in past
    assert "Newer talks" not in past
    page2 = section(organizer_client.get(url + "?page=2").get_data(as_text=True), "past")
    assert row_ids(page2) == [t.id for t in past_talks[3:6]]
    assert f'href="{url}#section-past"' in page2 or f'href="{url}?page=1#section-past"' in page2
    last = section(organizer_client.get(url + "?page=99").get_data(as_text=True), "past")
    assert row_ids(last) == [past_talks[6].id]
    assert "Older talks" not in last
    # A page number that is not one is the first page, not an error.
    assert organizer_client.get(url + "?page=x").status_code == 200


def test_htmx_gets_the_listing_alone_and_the_page_keeps_vary(organizer_client, past_talks):
    url = f"/dashboard/series/{past_talks[0].series.slug}?page=2"
    response = organizer_client.get(
        url, headers={"HX-Request": "true", "HX-Target": "dashboard-listing"}
    )
    fragment = response.get_data(as_text=True)
    assert "<h1" not in fragment
    assert 'id="next-heading"' not in fragment
    assert row_ids(section(fragment, "past")) == [t.id for t in past_talks[3:6]]
    assert {"HX-Request", "HX-Target"} <= set(response.vary)
    # The address htmx pushes names the filters that hold and the page, no empty fields.
    response = organizer_client.get(
        url + "&q=&speaker=Ada&status=",
        headers={"HX-Request": "true", "HX-Target": "dashboard-listing"},
    )
    assert response.headers["HX-Push-Url"].endswith("?speaker=Ada")


# ---------------------------------------------------------------- search and filters (GET)


def test_search_and_filters_work_as_a_plain_get_form(
    organizer_client, create_talk, create_speaker, db
):
    ada = create_speaker(name="Ada Lovelace")
    alan = create_speaker(name="Alan Turing")
    engines = create_talk(title="Analytical engines", speakers=[ada])
    series = engines.series
    machines = create_talk(series=series, title="Computing machinery", speakers=[alan])
    gone = create_talk(series=series, title="Cancelled engines", speakers=[alan])
    gone.status = TalkStatus.CANCELLED
    draft = create_talk(series=series, title="Draft engines", speakers=[ada], published=False)
    db.session.commit()
    url = f"/dashboard/series/{series.slug}"

    def shown(query: str) -> set[int]:
        response = organizer_client.get(url + query)
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        return set(row_ids(html[html.index('id="dashboard-listing"') :]))

    page = organizer_client.get(url).get_data(as_text=True)
    assert re.search(r'<form class="dashboard-filters" role="search"[^>]*method="get"', page)
    assert "Not a valid choice" not in page
    assert shown("?q=engines") == {engines.id, gone.id, draft.id}
    # The search also finds a talk by its speaker's name, in any case.
    assert shown("?q=TURING") == {machines.id, gone.id}
    assert shown("?speaker=lovelace") == {engines.id, draft.id}
    assert shown("?status=cancelled") == {gone.id}
    assert shown("?status=scheduled&q=engines") == {engines.id, draft.id}
    assert shown("?published=draft") == {draft.id}
    assert shown("?published=published&speaker=ada") == {engines.id}
    # Only the drafts section is there when only drafts are asked for.
    drafts_only = organizer_client.get(url + "?published=draft").get_data(as_text=True)
    assert 'id="past-heading"' not in drafts_only
    assert "1 talk matches the filters." in drafts_only
    # Wildcards are words, not patterns.
    assert shown("?q=%25") == set()
    assert shown("?q=_") == set()


def test_a_bad_filter_is_named_beside_its_field_and_ignored(organizer_client, create_talk):
    talk = create_talk(title="Still listed")
    url = f"/dashboard/series/{talk.series.slug}"
    response = organizer_client.get(url + "?status=<script>&q=" + "x" * 300 + "&_scheme=ftp")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Not a valid choice" in html
    assert "<script>" not in html
    assert f'id="row-talk-{talk.id}"' in html


# ---------------------------------------------------------------- needs attention


def test_needs_attention_lists_each_thing_to_do_with_its_link(
    organizer_client, create_talk, create_speaker, organizer, db
):
    soon = NOW + timedelta(days=3)
    bare = create_talk(title="Bare talk", start=soon, abstract="")
    series = bare.series
    complete = create_talk(
        series=series,
        title="Complete talk",
        start=soon + timedelta(days=1),
        abstract="Something",
        registration_url="https://example.org/register",
        speakers=[create_speaker(photo="a" * 64 + ".jpg")],
    )
    db.session.add(
        AnnouncementSend(talk=complete, talk_version=complete.version, recipient="l@example.org")
    )
    later = create_talk(series=series, title="Later talk", start=soon + timedelta(days=30))
    ten_days = create_talk(
        series=series, title="Ten days away", start=NOW + timedelta(days=10), abstract="A."
    )
    draft = create_talk(series=series, title="Draft talk", start=soon, published=False)
    far_draft = create_talk(
        series=series, title="Far draft", start=NOW + timedelta(days=40), published=False
    )
    cancelled = create_talk(series=series, title="Cancelled talk", start=soon, abstract="")
    cancelled.status = TalkStatus.CANCELLED
    link, _ = create_link(later, organizer)
    proposal = submit(link, {"abstract": "What I will say."})
    db.session.commit()

    html = organizer_client.get(f"/dashboard/series/{series.slug}").get_data(as_text=True)
    panel = section(html, "attention")
    assert "Bare talk" in panel
    assert "no abstract, no registration link, no speaker photo" in panel
    todo = "Add the abstract, registration link and speaker photo"
    assert f'<a class="attention-do" href="/dashboard/talks/{bare.id}/edit">{todo}</a>' in panel
    send = f'href="/dashboard/talks/{bare.id}/announcement">Send the announcement</a>'
    assert send in panel
    # Ten days away: lacks things (14 days) but is not due for announcing yet (7 days).
    assert f'href="/dashboard/talks/{ten_days.id}/edit"' in panel
    assert f'href="/dashboard/talks/{ten_days.id}/announcement"' not in panel
    assert "Complete talk" not in panel
    assert f'href="/dashboard/talks/{draft.id}/edit">Complete and publish the draft' in panel
    assert "Far draft" not in panel
    assert "Cancelled talk" not in panel
    # The proposal, for a talk a month away: in the panel, on its row and in the header.
    assert f'href="/dashboard/proposals/{proposal.id}">Review what the speaker proposed' in panel
    row = html[html.index(f'id="row-talk-{later.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Speaker proposal to review" in row
    assert f'href="/dashboard/proposals/{proposal.id}"' in row
    header = html[html.index('class="organizer-nav"') :]
    header = header[: header.index("</nav>")]
    assert (
        '<span class="count-badge">1<span class="visually-hidden"> speaker proposal to review'
        in header
    )
    assert "Needs attention: <strong>5</strong>" in html
    assert far_draft.id not in {item.talk.id for item in attention_items(utcnow(), series.id)}

    # Reviewed, the proposal leaves the panel, the row and the header.
    proposal.reviewed_at = utcnow()
    db.session.commit()
    html = organizer_client.get(f"/dashboard/series/{series.slug}").get_data(as_text=True)
    assert "Speaker proposal to review" not in html
    assert "count-badge" not in html


def test_flask_remind_reports_the_same_items_as_the_dashboard(
    runner, organizer_client, create_talk, create_series, organizer, db
):
    series = create_series(name="Reading Group")
    bare = create_talk(series=series, title="Bare", start=NOW + timedelta(days=2), abstract="")
    create_talk(series=series, title="Draft", start=NOW + timedelta(days=5), published=False)
    link, _ = create_link(
        create_talk(series=series, title="Proposed", start=NOW + timedelta(days=25)), organizer
    )
    submit(link, {"title": "A better title"})
    db.session.commit()
    items = attention_items(utcnow(), series.id)
    assert {item.kind for item in items} == set(Kind)
    output = runner.invoke(args=["remind"]).output
    page = organizer_client.get(f"/dashboard/series/{series.slug}").get_data(as_text=True)
    panel = section(page, "attention")
    for item in items:
        path = {
            Kind.PROPOSAL: f"/dashboard/proposals/{item.values.get('proposal_id')}",
            Kind.UNANNOUNCED: f"/dashboard/talks/{item.talk.id}/announcement",
        }.get(item.kind, f"/dashboard/talks/{item.talk.id}/edit")
        assert f"(talk {item.talk.id}): {item.todo} → {path}" in output
        assert f'href="{path}">{item.todo}</a>' in panel
    assert f"(talk {bare.id}): Add the abstract, registration link and speaker photo" in output


# ---------------------------------------------------------------- size


def test_queries_and_rows_stay_bounded_as_the_series_grows(
    app, organizer_client, create_talk, create_speaker
):
    from tests.test_performance import add_talks

    first = create_talk(title="First")
    series = first.series
    url = f"/dashboard/series/{series.slug}"
    add_talks(create_talk, create_speaker, series, 4)
    with counting_queries(app) as small:
        organizer_client.get(url)
    add_talks(create_talk, create_speaker, series, 70)
    with counting_queries(app) as large:
        html = organizer_client.get(url).get_data(as_text=True)
    assert len(large) == len(small), (len(small), len(large))
    # A handful per section (count, ids, talks, speakers, earlier dates), none per talk.
    assert len(large) <= 36
    # 75 talks: the past section shows one page of 25, and its total.
    past = section(html, "past")
    assert len(row_ids(past)) == 25
    assert 'Past <span class="count">(37)</span>' in html


def test_a_site_of_many_series_names_a_few_and_offers_a_search(organizer_client, create_series):
    made = [create_series(name=f"Seminar {i:02d}", slug=f"seminar-{i:02d}") for i in range(12)]
    html = organizer_client.get(f"/dashboard/series/{made[0].slug}").get_data(as_text=True)
    switch = html[html.index('class="series-switch"') :]
    switch = switch[: switch.index("</nav>")]
    assert switch.count('href="/dashboard/series/seminar-') == 8
    assert 'href="/dashboard/series">All 12 series</a>' in switch
    assert 'action="/dashboard/series"' in switch
    found = organizer_client.get("/dashboard/series?q=minar 1").get_data(as_text=True)
    assert "2 series match" in found
    assert 'href="/dashboard/series/seminar-10"' in found
    assert 'href="/dashboard/series/seminar-03"' not in found
