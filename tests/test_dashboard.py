"""The dashboard table, listing toggles, the needs-attention panel and CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from prisec import demo
from prisec.models import Listing, Talk


def test_dashboard_lists_every_talk_of_the_series_drafts_included(organizer_client, create_talk):
    published = create_talk(title="A published talk")
    draft = create_talk(series=published.series, title="A draft talk", published=False)
    response = organizer_client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for talk in (published, draft):
        assert f'id="row-talk-{talk.id}"' in html
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


def test_needs_attention_lists_soon_talks_missing_things(
    organizer_client, create_talk, create_speaker, db
):
    soon = datetime.now(UTC) + timedelta(days=3)
    bare = create_talk(title="Bare talk", start=soon)
    complete = create_talk(
        series=bare.series,
        title="Complete talk",
        start=soon + timedelta(days=1),
        abstract="Something",
        registration_url="https://example.org/register",
        speakers=[create_speaker(photo="a" * 64 + ".jpg")],
    )
    create_talk(series=bare.series, title="Later talk", start=soon + timedelta(days=30))
    create_talk(series=bare.series, title="Draft talk", start=soon, published=False)
    html = organizer_client.get("/dashboard").get_data(as_text=True)
    panel = html[html.index('id="attention-heading"') : html.index('id="talks-heading"')]
    assert "Bare talk" in panel
    assert "no abstract, no registration link, no speaker photo" in panel
    assert complete.title not in panel
    assert "Later talk" not in panel
    assert "Draft talk" not in panel


def test_demo_dashboard_renders(organizer_client, db):
    demo.seed_demo()
    html = organizer_client.get("/dashboard").get_data(as_text=True)
    assert "Privacy Auditing in Machine Learning" in html
    assert "<del" in html  # the rescheduled talk shows its earlier date here too
