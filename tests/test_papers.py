"""Papers: the /papers page. Importing them is tested in test_import_papers.py."""

import re
from datetime import date
from pathlib import Path

from prisec.importers.apply_papers import import_papers as store_papers
from prisec.importers.papers import parse_publications

SEED = (Path(__file__).parent / "fixtures" / "publications-list.txt").read_text(encoding="utf-8")


def import_papers(text: str) -> None:
    """Store the papers of a list, as `flask import papers` does."""
    store_papers(parse_publications(text, today=date(2026, 11, 25)))


def test_papers_page_lists_like_the_group_page(client, db):
    import_papers(SEED)
    html = client.get("/papers").get_data(as_text=True)
    assert "28 papers" in html
    assert '<abbr class="badge badge-category" title="Machine Learning">LG</abbr>' in html
    assert "Mar 1, 2022" in html
    assert "Helena Klause, Alexander Ziller, Daniel Rueckert et al." in html
    assert '<details class="paper-abstract">' in html
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)">', html)
    assert dates == sorted(dates, reverse=True)


def test_papers_filter_by_category_and_year(client, db):
    import_papers(SEED)
    html = client.get("/papers?category=cv").get_data(as_text=True)
    assert "3 papers" in html
    assert set(re.findall(r'badge-category" title="[^"]+">(\w+)<', html)) == {"CV"}
    html = client.get("/papers?category=LG&year=2021").get_data(as_text=True)
    assert "5 papers" in html
    assert all(d.startswith("2021") for d in re.findall(r'<time datetime="([^"]+)"', html))
    empty = client.get("/papers?category=XX").get_data(as_text=True)
    assert "No papers match these filters." in empty
    assert client.get("/papers?year=abc").status_code == 200
    fragment = client.get("/papers?category=CV&year=", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Push-Url"] == "/papers?category=CV"


def test_paper_abstracts_are_sanitised(client, db):
    import_papers(
        "CRJan 5, 2024\nEvil <script>alert(1)</script>Ada Lovelace\n"
        "<img src=x onerror=alert(1)> $x$\n"
    )
    html = client.get("/papers").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert '<span class="math inline">x</span>' in html
