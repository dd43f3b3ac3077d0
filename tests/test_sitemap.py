"""The sitemap: an index of sitemap files of bounded size, kept current by every change."""

from __future__ import annotations

from xml.etree import ElementTree

from prisec.editing import record_revision
from prisec.extensions import db as _db

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _read(client, path: str) -> ElementTree.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/xml"
    return ElementTree.fromstring(response.data)


def _files(client) -> dict[str, str | None]:
    """The sitemap index's files (site-relative) with their lastmod."""
    index = _read(client, "/sitemap.xml")
    assert index.tag == f"{NS}sitemapindex"
    found = {}
    for entry in index.findall(f"{NS}sitemap"):
        loc = entry.findtext(f"{NS}loc")
        assert loc.startswith("http://localhost/")
        found[loc.removeprefix("http://localhost")] = entry.findtext(f"{NS}lastmod")
    return found


def _addresses(client, path: str) -> list[str]:
    urlset = _read(client, path)
    assert urlset.tag == f"{NS}urlset"
    return [loc.text.removeprefix("http://localhost") for loc in urlset.iter(f"{NS}loc")]


def test_the_index_names_a_file_of_pages_and_files_of_at_most_their_size_of_talks(
    app, client, create_series, create_talk
):
    app.config["SITEMAP_FILE_ADDRESSES"] = 2
    seminar = create_series(slug="seminar", name="Seminar")
    reading = create_series(slug="reading", name="Reading Group")
    talks = [create_talk(series=seminar if i % 2 else reading) for i in range(5)]
    draft = create_talk(series=seminar, published=False)
    files = _files(client)
    assert list(files) == [
        "/sitemap/pages.xml",
        "/sitemap/talks-1.xml",
        "/sitemap/talks-2.xml",
        "/sitemap/talks-3.xml",
    ]
    assert all(files.values())  # each says when it last changed
    pages = _addresses(client, "/sitemap/pages.xml")
    # Two series: the list of series is a page of its own.
    assert pages == ["/", "/series", "/talks", "/series/seminar", "/series/reading"]
    listed = []
    for name in list(files)[1:]:
        addresses = _addresses(client, name)
        assert 1 <= len(addresses) <= 2
        listed += addresses
    assert listed == [f"/talks/{t.id}/{t.slug}" for t in talks]
    assert all(f"/talks/{draft.id}/" not in a for a in listed)
    # Every address answers; a file past the talks does not exist.
    for address in pages + listed:
        assert client.get(address).status_code == 200, address
    assert client.get("/sitemap/talks-9.xml").status_code == 404
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots


def test_a_site_of_one_series_lists_no_page_of_series(client, create_talk):
    talk = create_talk()
    assert _addresses(client, "/sitemap/pages.xml") == [
        "/",
        "/talks",
        f"/series/{talk.series.slug}",
    ]


def test_an_edit_shows_in_the_sitemap_at_once(app, client, create_talk):
    app.config["PAGE_CACHE_SECONDS"] = 3600
    talk = create_talk(title="First title")
    before = _files(client)
    assert _addresses(client, "/sitemap/talks-1.xml") == [f"/talks/{talk.id}/first-title"]

    talk.title = "Second title"
    record_revision(talk, None, "Retitled")
    _db.session.commit()
    assert _addresses(client, "/sitemap/talks-1.xml") == [f"/talks/{talk.id}/second-title"]
    assert _files(client)["/sitemap/talks-1.xml"] >= before["/sitemap/talks-1.xml"]

    added = create_talk(title="A new talk")
    assert f"/talks/{added.id}/a-new-talk" in _addresses(client, "/sitemap/talks-1.xml")
    added.published = False
    _db.session.commit()
    assert f"/talks/{added.id}/" not in "".join(_addresses(client, "/sitemap/talks-1.xml"))
