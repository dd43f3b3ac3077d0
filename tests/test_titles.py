"""Maths in titles: readable Unicode wherever a title is plain text, KaTeX spans in HTML."""

import json
import re
import xml.etree.ElementTree as ET

import icalendar
import pytest

from prisec.titles import plain_title, title_html

TITLE = r"$\varepsilon$-DP in practice"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (r"$\varepsilon$-DP", "ε-DP"),
        (r"$\alpha$ and $\beta$ tests", "α and β tests"),
        ("Costs of privacy", "Costs of privacy"),
        (r"No \emph{dollars} here", r"No \emph{dollars} here"),
        ("", ""),
    ],
)
def test_plain_title_reads_maths_as_unicode(title, expected):
    assert plain_title(title) == expected


@pytest.mark.parametrize("title", [r"$\frac{1}{2$ bad", r"Half $\undefined{ open", "$", "$$"])
def test_plain_title_never_raises_on_bad_tex(title):
    assert isinstance(plain_title(title), str)


def test_title_html_leaves_the_tex_for_katex_and_escapes_the_rest():
    html = str(title_html(r"$\varepsilon$-DP <script>"))
    assert html == r'<span class="math inline">\varepsilon</span>-DP &lt;script&gt;'


def test_talk_page_tab_and_previews_read_unicode(client, create_talk):
    talk = create_talk(title=TITLE)
    html = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    tab = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert tab.startswith("ε-DP in practice")
    assert '<meta property="og:title" content="ε-DP in practice">' in html
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(ld)["name"] == "ε-DP in practice"
    # The heading keeps the TeX for KaTeX, readable without JavaScript.
    assert r'<h1><span class="math inline">\varepsilon</span>-DP in practice</h1>' in html


def test_schedule_card_marks_the_maths(client, create_talk):
    talk = create_talk(title=TITLE)
    html = client.get(f"/series/{talk.series.slug}").get_data(as_text=True)
    assert r'<span class="math inline">\varepsilon</span>-DP in practice</a>' in html


def test_series_feed_summary_reads_unicode(client, create_talk, create_speaker):
    talk = create_talk(title=TITLE, speakers=[create_speaker(name="Ada Lovelace")])
    body = client.get(f"/series/{talk.series.slug}/calendar.ics").get_data()
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Ada Lovelace: ε-DP in practice"


def test_atom_title_reads_unicode(client, create_talk):
    create_talk(title=TITLE)
    root = ET.fromstring(client.get("/feed.atom").get_data())
    atom = "{http://www.w3.org/2005/Atom}"
    assert [e.findtext(f"{atom}title") for e in root.findall(f"{atom}entry")] == [
        "New talk: ε-DP in practice"
    ]


@pytest.mark.parametrize("word", ["epsilon", "ε", "varepsilon"])
def test_archive_finds_the_talk_by_its_maths(client, create_talk, word):
    talk = create_talk(title=TITLE)
    create_talk(title="Something else entirely")
    html = client.get("/talks", query_string={"q": word}).get_data(as_text=True)
    assert f"/talks/{talk.id}/" in html
    assert "Something else entirely" not in html


def test_announcement_subject_and_body_read_unicode(app, create_talk):
    from prisec.announcing.compose import compose
    from prisec.dashboard.announcement_views import talk_links

    talk = create_talk(title=TITLE)
    with app.test_request_context():
        announcement = compose(talk, talk_links(talk))
    assert "“ε-DP in practice”" in announcement.subject
    assert "ε-DP in practice" in announcement.text
    assert "$" not in announcement.subject + announcement.text


def test_calendar_links_read_unicode(app, create_talk):
    from urllib.parse import parse_qs, urlsplit

    from prisec.feeds.links import google_event_url, outlook_event_url

    talk = create_talk(title=TITLE)
    google = parse_qs(urlsplit(google_event_url(talk, "https://x.example/t")).query)
    outlook = parse_qs(urlsplit(outlook_event_url(talk, "https://x.example/t")).query)
    assert google["text"][0].endswith("ε-DP in practice")
    assert outlook["subject"][0].endswith("ε-DP in practice")


@pytest.mark.parametrize("title", ["Costs $5 and $6", "A $5 prize", "Spaces $ x $ stay"])
def test_prose_dollars_stay_prose(title):
    assert plain_title(title) == title
    assert "math" not in str(title_html(title))
