"""The site around the series: its name and menu, the list of series, a reader's own calendar."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from prisec.database import utcnow
from prisec.extensions import db as _db
from prisec.public.site import SiteSettings
from tests.helpers import csrf_token
from tests.test_feeds import icaljs, parse_all  # noqa: F401 -- the three-parser fixtures


def _menu(page: str) -> str:
    found = re.search(
        r'<nav class="site-menu site-menu-wide" aria-label="Site">(.*?)</nav>', page, re.S
    )
    assert found, "no site menu"
    return found.group(1)


def test_a_one_series_site_is_named_after_its_series(client, create_series, create_talk):
    series = create_series(slug="ml", name="Privacy Seminar")
    create_talk(series=series)
    for path in ("/", "/talks", "/calendar/help", "/no/such/page"):
        page = client.get(path).get_data(as_text=True)
        header = page.split('<main id="main"', 1)[0]
        assert '<a class="site-name" href="/">Privacy Seminar</a>' in header, path
        assert ">prisec<" not in header, path
        menu = _menu(page)
        assert 'href="/series/ml">Schedule' in menu, path
        assert 'href="/talks">Archive' in menu, path
        assert 'href="/series/ml#subscribe">Subscribe' in menu, path
        # No papers yet, one series: neither a papers link nor a list of series.
        assert "/papers" not in menu, path
        assert "All series" not in menu, path


def test_the_site_name_set_in_the_dashboard_heads_every_page(organizer_client, create_series):
    create_series(slug="ml", name="Privacy Seminar")
    form = organizer_client.get("/dashboard/site").get_data(as_text=True)
    response = organizer_client.post(
        "/dashboard/site",
        data={"name": "  Cambridge   Security Talks ", "csrf_token": csrf_token(form)},
    )
    assert response.status_code == 303
    assert _db.session.scalar(_db.select(SiteSettings.name)) == "Cambridge Security Talks"
    anonymous = organizer_client.application.test_client()
    for path in ("/", "/talks", "/no/such/page"):
        page = anonymous.get(path).get_data(as_text=True)
        assert '<a class="site-name" href="/">Cambridge Security Talks</a>' in page, path
    too_long = organizer_client.post(
        "/dashboard/site", data={"name": "x" * 201, "csrf_token": csrf_token(form)}
    )
    assert too_long.status_code == 422
    assert "At most 200 characters." in too_long.get_data(as_text=True)


def test_a_two_series_site_lists_its_series_at_home(client, create_series, create_talk):
    ml = create_series(slug="ml", name="ML Privacy")
    crypto = create_series(slug="crypto", name="Crypto Lunch", timezone="Asia/Tokyo")
    soon = utcnow() + timedelta(days=3)
    create_talk(series=ml, start=soon + timedelta(days=7), title="Later ML")
    create_talk(series=ml, start=soon, title="Next ML")
    create_talk(series=ml, start=utcnow() - timedelta(days=30), title="Old ML")
    for path in ("/", "/series"):
        page = client.get(path).get_data(as_text=True)
        assert "ML Privacy" in page, path
        assert "Crypto Lunch" in page, path
        cards = page.split('class="series-card"')[1:]
        assert "Next ML" in cards[0]
        assert "Later ML" not in cards[0]
        assert "Old ML" not in cards[0]
        assert "No talk is scheduled yet." in cards[1]
        assert '<a class="site-name" href="/">Seminars</a>' in page
    menu = _menu(client.get("/series/ml").get_data(as_text=True))
    assert 'href="/series/crypto">Crypto Lunch' in menu
    assert 'href="/series/ml">ML Privacy' not in menu  # the series being read is not "other"
    assert 'href="/series">All series' in menu
    assert 'href="/my">My calendar' in menu
    assert crypto.slug in client.get("/my").get_data(as_text=True)


def test_a_default_series_keeps_home(app, client, create_series, create_talk):
    create_series(slug="ml", name="ML Privacy")
    create_series(slug="crypto", name="Crypto Lunch")
    app.config["DEFAULT_SERIES"] = "crypto"
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Crypto Lunch</h1>" in page


def test_the_menu_offers_papers_only_when_there_are_some(client, create_series, runner):
    create_series(slug="ml", name="ML Privacy")
    assert "/papers" not in _menu(client.get("/").get_data(as_text=True))
    from datetime import date

    from prisec.papers.models import Paper

    _db.session.add(Paper(title="A paper", authors=["A. Author"], published_on=date(2024, 1, 2)))
    _db.session.commit()
    assert 'href="/papers">Papers' in _menu(client.get("/").get_data(as_text=True))


def test_my_calendar_holds_one_series_and_one_talk_of_another(
    app,
    client,
    create_series,
    create_talk,
    parse_all,  # noqa: F811
):
    ml = create_series(slug="ml", name="ML Privacy")
    crypto = create_series(slug="crypto", name="Crypto Lunch", timezone="Asia/Tokyo")
    start = datetime(utcnow().year + 1, 3, 10, 13, 0, tzinfo=UTC)
    ml_talks = [create_talk(series=ml, start=start + timedelta(days=7 * i)) for i in range(2)]
    chosen = create_talk(series=crypto, start=start + timedelta(days=1), title="Chosen")
    create_talk(series=crypto, start=start + timedelta(days=2), title="Not chosen")

    # The ticked form sends repeated fields; the page answers with its short address.
    ticked = client.get(f"/my?series=ml&talks={chosen.id}")
    assert ticked.status_code == 200
    repeated = client.get(f"/my?series=ml&series=&talks={chosen.id}&talks=junk")
    assert repeated.status_code == 303
    assert repeated.headers["Location"] == f"/my?series=ml&talks={chosen.id}"
    page = ticked.get_data(as_text=True)
    assert "Chosen" in page
    assert "Not chosen" in page.split("Change your selection")[1]
    assert "Not chosen" not in page.split("Change your selection")[0]
    feed_url = f"http://localhost/my.ics?series=ml&talks={chosen.id}"
    assert f'value="{feed_url.replace("&", "&amp;")}"' in page
    assert "webcal://localhost/my.ics?series=ml" in page

    response = client.get(f"/my.ics?series=ml&talks={chosen.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = parse_all(response.data)
    host = app.config["SITE_HOST"]
    assert set(events) == {f"talk-{t.id}@{host}" for t in [*ml_talks, chosen]}
    body = response.data.decode()
    assert "TZID:Europe/London" in body
    assert "TZID:Asia/Tokyo" in body
    assert "X-WR-CALNAME:My seminars" in body
    again = client.get(
        f"/my.ics?series=ml&talks={chosen.id}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    # An empty or unknown selection is nothing to subscribe to.
    assert client.get("/my.ics").status_code == 404
    assert client.get("/my.ics?series=<script>").status_code == 200  # unknown: an empty calendar


def test_organizers_choose_to_show_the_imported_calendar_under_its_label(
    organizer_client, client, create_series, db
):
    from tests.test_series_planning import settings_form

    create_series(slug="rg", calendar_html_url="https://calendar.google.com/calendar/embed?src=rg")
    form = organizer_client.get("/dashboard/series/rg/settings").get_data(as_text=True)
    assert "Calendar imported from the old page" in form
    assert "calendar/embed?src=rg" not in client.get("/series/rg").get_data(as_text=True)
    response = organizer_client.post(
        "/dashboard/series/rg/settings",
        data=settings_form(
            keep_imported_calendar="y", imported_calendar_label="Our <b>Google</b> Calendar"
        ),
    )
    assert response.status_code == 303
    public = client.get("/series/rg").get_data(as_text=True)
    assert "Our &lt;b&gt;Google&lt;/b&gt; Calendar:" in public
    assert 'href="https://calendar.google.com/calendar/embed?src=rg"' in public
    organizer_client.post("/dashboard/series/rg/settings", data=settings_form())
    assert "calendar/embed?src=rg" not in client.get("/series/rg").get_data(as_text=True)


def test_an_error_page_keeps_its_frame_when_the_database_is_gone(tmp_path):
    from tests.helpers import make_app

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent/folder/prisec.db")
    response = app.test_client().get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<a class="site-name" href="/">Seminars</a>' in page
    assert "There is nothing at this address." in page
