"""Deleting a series to the trash: hidden everywhere, restored as it was, purged after 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from prisec.database import utcnow
from prisec.models import Series, Talk, TalkRevision

KEPT = "Kept seminar talk"
GONE = "Deleted seminar talk"


@pytest.fixture
def two_series(create_series, create_talk):
    """A series that stays and one that will be deleted, each with an upcoming published talk."""
    kept = create_series(slug="kept", name="Kept Seminar")
    gone = create_series(slug="gone", name="Gone Seminar")
    soon = datetime.now(UTC) + timedelta(days=3)
    kept_talk = create_talk(series=kept, title=KEPT, start=soon)
    gone_talk = create_talk(series=gone, title=GONE, start=soon + timedelta(hours=2))
    return kept, gone, kept_talk, gone_talk


def _public_pages(gone: Series, kept_talk: Talk, gone_talk: Talk) -> list[str]:
    return [
        "/",
        "/series/kept",
        "/talks",
        f"/talks?q={GONE.split()[0]}",
        "/calendar.ics",
        "/calendar/help",
        "/feed.atom",
        "/sitemap.xml",
        "/api/v1/talks",
        "/api/v1/talks?listing=upcoming",
        "/embed/upcoming",
    ]


def _delete(client, slug: str):
    confirm = client.get(f"/dashboard/series/{slug}/delete")
    assert confirm.status_code == 200
    assert "Move “Gone Seminar” to the trash" in confirm.get_data(as_text=True)
    return client.post(f"/dashboard/series/{slug}/delete")


def test_a_deleted_series_leaves_every_public_page_feed_and_the_api(
    app, client, organizer_client, two_series
):
    app.config["DEFAULT_SERIES"] = "gone"  # / shows it until it is deleted
    kept, gone, kept_talk, gone_talk = two_series
    pages = _public_pages(gone, kept_talk, gone_talk)
    for path in pages:
        assert GONE in client.get(path).get_data(as_text=True) or path in (
            "/series/kept",
            "/calendar/help",
            "/sitemap.xml",
        ), path
    gone_urls = [
        "/series/gone",
        f"/talks/{gone_talk.id}/{gone_talk.slug}",
        f"/talks/{gone_talk.id}.ics",
        "/series/gone/calendar.ics",
        f"/api/v1/talks/{gone_talk.id}",
        "/api/v1/talks?series=gone",
        "/embed/upcoming?series=gone",
        "/feed.atom?series=gone",
    ]
    for path in gone_urls:
        assert client.get(path).status_code == 200, path

    response = _delete(organizer_client, "gone")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/trash"
    assert "Gone Seminar" in organizer_client.get("/dashboard/trash").get_data(as_text=True)

    for path in pages:
        body = client.get(path).get_data(as_text=True)
        assert GONE not in body, path
        assert "Gone Seminar" not in body, path
        assert "/series/gone" not in body, path
    # The default series is gone: / falls back to the one left.
    assert KEPT in client.get("/").get_data(as_text=True)
    for path in gone_urls:
        assert client.get(path).status_code == 404, path
    assert "Gone Seminar" not in client.get("/talks?series=gone").get_data(as_text=True)

    # Nor does the dashboard offer it: its menu, its pages and its talks' forms are gone.
    dashboard = organizer_client.get("/dashboard/series/kept").get_data(as_text=True)
    assert "Gone Seminar" not in dashboard
    assert organizer_client.get("/dashboard/series/gone").status_code == 404
    assert organizer_client.get("/dashboard/series/gone/settings").status_code == 404
    assert organizer_client.get(f"/dashboard/talks/{gone_talk.id}/edit").status_code == 404


def test_a_deleted_series_is_restored_from_the_trash_as_it_was(
    client, organizer_client, two_series, create_talk, db
):
    kept, gone, kept_talk, gone_talk = two_series
    # A talk trashed on its own before the series was deleted stays in the trash.
    earlier = create_talk(series=gone, title="Trashed on its own")
    organizer_client.post(f"/dashboard/talks/{earlier.id}/delete")
    _delete(organizer_client, "gone")

    trash = organizer_client.get("/dashboard/trash").get_data(as_text=True)
    assert "Gone Seminar" in trash
    assert "(1 talk)" in trash
    purge_day = (utcnow() + timedelta(days=30)).strftime("%d %B %Y")
    assert f"purged after {purge_day}" in trash

    response = organizer_client.post(f"/dashboard/trash/series/{gone.id}/restore")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/series/gone"
    assert GONE in client.get("/series/gone").get_data(as_text=True)
    assert client.get(f"/talks/{gone_talk.id}/{gone_talk.slug}").status_code == 200
    assert GONE in client.get("/calendar.ics").get_data(as_text=True)
    assert "Trashed on its own" not in client.get("/series/gone").get_data(as_text=True)
    assert "No series is in the trash." in organizer_client.get("/dashboard/trash").get_data(
        as_text=True
    )
    # Restoring twice, or a series never deleted, is not found.
    assert organizer_client.post(f"/dashboard/trash/series/{gone.id}/restore").status_code == 404


def test_deleting_is_for_logged_in_accounts_and_needs_the_csrf_token(
    app, client, organizer, two_series, db
):
    kept, gone, *_ = two_series
    anonymous = client.post("/dashboard/series/gone/delete")
    assert anonymous.status_code in (302, 400)
    from tests.conftest import ORGANIZER_PASSWORD
    from tests.helpers import csrf_token

    logged_in = app.test_client()
    token = csrf_token(logged_in.get("/login").get_data(as_text=True))
    logged_in.post(
        "/login",
        data={"email": organizer.email, "password": ORGANIZER_PASSWORD, "csrf_token": token},
    )
    # Without the page's token (a forged cross-site form), nothing is deleted.
    assert logged_in.post("/dashboard/series/gone/delete").status_code == 400
    db.session.expire_all()
    assert db.session.get(Series, gone.id).deleted_at is None


def test_the_settings_page_offers_the_delete_and_asks_to_confirm(organizer_client, two_series):
    page = organizer_client.get("/dashboard/series/gone/settings").get_data(as_text=True)
    assert 'href="/dashboard/series/gone/delete"' in page
    # Following that link deletes nothing by itself: it shows the question.
    confirm = organizer_client.get("/dashboard/series/gone/delete").get_data(as_text=True)
    assert "Delete “Gone Seminar”?" in confirm
    assert "1 talk go to the trash" in confirm
    assert organizer_client.get("/series/gone").status_code == 200


def test_flask_purge_removes_only_what_stayed_in_the_trash_30_days(
    runner, db, create_series, create_talk
):
    now = utcnow()
    old = create_series(slug="old", name="Old Seminar")
    old_talks = [create_talk(series=old, title=f"Old talk {i}") for i in range(2)]
    recent = create_series(slug="recent", name="Recent Seminar")
    create_talk(series=recent, title="Recent talk")
    live = create_series(slug="live", name="Live Seminar")
    stale_talk = create_talk(series=live, title="Long trashed talk")
    fresh_talk = create_talk(series=live, title="Just trashed talk")
    create_talk(series=live, title="Live talk")
    old.deleted_at = now - timedelta(days=31)
    recent.deleted_at = now - timedelta(days=29)
    stale_talk.deleted_at = now - timedelta(days=30, minutes=1)
    fresh_talk.deleted_at = now - timedelta(days=1)
    db.session.commit()
    old_ids = [talk.id for talk in old_talks]

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would remove 1 series and 3 talks" in dry.output
    assert db.session.scalar(select(func.count()).select_from(Talk)) == 6

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Removed series 'Old Seminar' and its talks." in result.output
    assert "Removed 1 series and 3 talks in all." in result.output
    db.session.expire_all()
    assert set(db.session.scalars(select(Series.slug))) == {"recent", "live"}
    assert set(db.session.scalars(select(Talk.title))) == {
        "Recent talk",
        "Just trashed talk",
        "Live talk",
    }
    # Their revisions went with them.
    assert not db.session.scalars(
        select(TalkRevision).where(TalkRevision.talk_id.in_([*old_ids, stale_talk.id]))
    ).all()
    assert runner.invoke(args=["purge"]).output.strip() == "Removed 0 series and 0 talks in all."


def test_the_demo_can_be_deleted_and_its_banner_goes_with_it(app, client, organizer_client, db):
    from prisec import demo

    demo.seed_demo()
    assert "This is a demo." in client.get("/").get_data(as_text=True)
    _delete_demo = organizer_client.post("/dashboard/series/prisec-ml/delete")
    assert _delete_demo.status_code == 303
    page = client.get("/")
    assert "This is a demo." not in page.get_data(as_text=True)
    assert "Privacy and Security in ML" not in page.get_data(as_text=True)
