"""Papers: reading a group's paper list, the /papers page, and a talk's papers."""

import re
from datetime import date
from pathlib import Path

import pytest

from prisec.papers import import_papers, papers_of
from prisec.papers.listing import parse_paper_list, split_authors
from prisec.papers.models import Paper

SEED = (Path(__file__).parent / "fixtures" / "publications-list.txt").read_text(encoding="utf-8")


def test_the_seed_list_parses_whole():
    papers = parse_paper_list(SEED, today=date(2026, 11, 25))
    assert len(papers) == 28
    first = papers[0]
    assert first.category == "LG"
    assert first.published_on == date(2022, 3, 1)
    assert (
        first.title
        == "Differentially private training of residual networks with scale normalisation"
    )
    assert first.authors == ["Helena Klause", "Alexander Ziller", "Daniel Rueckert"]
    assert first.more_authors
    assert first.abstract.startswith("The training of neural networks")
    assert all(paper.authors and not paper.notes for paper in papers)
    # A date without a year is this year's; "Code" after the date is noted.
    assert any(p.published_on == date(2026, 1, 19) for p in papers)
    assert sum(p.had_code_link for p in papers) == 1


@pytest.mark.parametrize(
    ("line", "title", "first_author"),
    [
        ("On SGDMoritz Knolle, R. Dorfman et al.", "On SGD", "Moritz Knolle"),
        ("On 3D ImagesAlexander Ziller, Marwa Trigui", "On 3D Images", "Alexander Ziller"),
        ("Does it leak?Tamara T. Mueller, Stefan Kolek", "Does it leak?", "Tamara T. Mueller"),
        (
            "CNNs: deep learningNicolas W. Remerscheid",
            "CNNs: deep learning",
            "Nicolas W. Remerscheid",
        ),
        ("A LensStefan Kolek Martinez de Azagra", "A Lens", "Stefan Kolek Martinez de Azagra"),
        ("Medical image analysisThéo Ryffel", "Medical image analysis", "Théo Ryffel"),
    ],
)
def test_title_and_authors_are_told_apart(line, title, first_author):
    found = split_authors(line)
    assert found
    assert found[0] == title
    assert found[1][0] == first_author


def test_papers_page_lists_like_the_group_page(client, db):
    import_papers(SEED, today=date(2026, 11, 25))
    html = client.get("/papers").get_data(as_text=True)
    assert "28 papers" in html
    assert '<abbr class="badge badge-category" title="Machine Learning">LG</abbr>' in html
    assert "Mar 1, 2022" in html
    assert "Helena Klause, Alexander Ziller, Daniel Rueckert et al." in html
    assert '<details class="paper-abstract">' in html
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)">', html)
    assert dates == sorted(dates, reverse=True)


def test_papers_filter_by_category_and_year(client, db):
    import_papers(SEED, today=date(2026, 11, 25))
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


def test_importing_again_updates_instead_of_duplicating(db):
    assert import_papers(SEED) == (28, 0)
    assert import_papers(SEED) == (0, 28)
    assert db.session.query(Paper).count() == 28


def test_talk_lists_its_papers(client, db, create_talk, runner, tmp_path):
    talk = create_talk(title="Reading group: DP in medicine")
    source = tmp_path / "papers.txt"
    source.write_text("\n".join(SEED.splitlines()[:6]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-papers", str(source), "--talk", str(talk.id)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 new papers" in result.output
    assert [p.category for p in papers_of(talk)] == ["LG", "CV"]
    html = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert '<h2 id="papers-heading">Papers</h2>' in html
    assert "SmoothNets: Optimizing CNN architecture design" in html
    bad = runner.invoke(args=["import-papers", str(source), "--talk", "999"])
    assert bad.exit_code != 0
    assert "there is no talk 999" in bad.output


def test_paper_abstracts_are_sanitised(client, db):
    import_papers(
        "CRJan 5, 2024\nEvil <script>alert(1)</script>Ada Lovelace\n"
        "<img src=x onerror=alert(1)> $x$\n"
    )
    html = client.get("/papers").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert '<span class="math inline">x</span>' in html
