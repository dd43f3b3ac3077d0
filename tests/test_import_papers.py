"""Importing paper lists (a publications page copied as text, and BibTeX): parsing and storing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from prisec.importers.papers import parse_bibtex, parse_publications, split_title_authors
from prisec.papers.models import Paper, TalkPaper, papers_of

LIST = Path(__file__).parent / "fixtures" / "publications-list.txt"
TODAY = date(2026, 11, 25)


def test_every_entry_of_the_seed_list_is_read():
    text = LIST.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) % 3 == 0  # header, title and authors, abstract
    parsed = parse_publications(text, today=TODAY)
    assert len(parsed.papers) == len(lines) // 3 == 28
    # One entry ("CRJan 19") has no year: this year's, reported, still read.
    assert [str(p) for p in parsed.problems] == [
        "line 43: the date has no year; taken as Jan 19, 2026"
    ]
    assert all(p.title and p.authors and p.abstract for p in parsed.papers)


def test_a_date_without_year_is_never_in_the_future():
    text = "CRDec 24\nA titleAda Lovelace, Alan Turing\nAbstract.\n"
    assert parse_publications(text, today=TODAY).papers[0].published == date(2025, 12, 24)
    assert parse_publications(text, today=date(2027, 1, 1)).papers[0].published == date(
        2026, 12, 24
    )


def test_seed_list_fields():
    papers = parse_publications(LIST.read_text(encoding="utf-8"), today=TODAY).papers
    first = papers[0]
    assert first.category == "LG"
    assert first.published == date(2022, 3, 1)
    assert first.title == (
        "Differentially private training of residual networks with scale normalisation"
    )
    assert first.authors == ["Helena Klause", "Alexander Ziller", "Daniel Rueckert"]
    assert first.more_authors
    assert first.abstract.startswith("The training of neural networks")
    assert first.abstract.endswith("(ε=8.0) when trained from scratch.")
    # Maths in an abstract is kept as written, for the page to render.
    assert r"73.5\% on CIFAR-10 at $\varepsilon=7.0$" in papers[1].abstract
    coded = [p for p in papers if p.has_code]
    assert [p.title[:20] for p in coded] == ["How Low Can You Go? "]
    assert coded[0].code_url == "https://anonymous.4open.science/r/uad_prototypical_samples/"
    undated = next(p for p in papers if p.year is None)
    assert undated.published == date(2026, 1, 19)
    assert undated.title.startswith("Your Privacy Depends on Others")
    by_title = {p.title: p for p in papers}
    assert "NeuralDP Differentially private neural networks by design" in by_title
    assert (
        "From Mean to Extreme: Formal Differential Privacy Bounds on the Success of "
        "Real-World Data Reconstruction Attacks"
    ) in by_title
    assert by_title["Privacy-preserving medical image analysis"].authors[-1] == "Théo Ryffel"


@pytest.mark.parametrize(
    ("line", "title", "authors"),
    [
        ("On SGDMoritz Knolle, R. Dorfman et al.", "On SGD", ["Moritz Knolle", "R. Dorfman"]),
        (
            "On 3D ImagesAlexander Ziller, Marwa Trigui",
            "On 3D Images",
            ["Alexander Ziller", "Marwa Trigui"],
        ),
        (
            "Does it leak?Tamara T. Mueller, Stefan Kolek",
            "Does it leak?",
            ["Tamara T. Mueller", "Stefan Kolek"],
        ),
        (
            "CNNs: deep learningNicolas W. Remerscheid",
            "CNNs: deep learning",
            ["Nicolas W. Remerscheid"],
        ),
        (
            "A LensStefan Kolek Martinez de Azagra",
            "A Lens",
            ["Stefan Kolek Martinez de Azagra"],
        ),
        ("Medical image analysisThéo Ryffel", "Medical image analysis", ["Théo Ryffel"]),
        (
            "Deep LearningYann LeCun, Geoffrey Hinton",
            "Deep Learning",
            ["Yann LeCun", "Geoffrey Hinton"],
        ),
        ("A study of 'quotes'Jean-Luc Picard", "A study of 'quotes'", ["Jean-Luc Picard"]),
        ("Fun with DP-SGDAda O'Neil", "Fun with DP-SGD", ["Ada O'Neil"]),
        ("Deep FakesReviewedAda Lovelace", "Deep FakesReviewed", ["Ada Lovelace"]),
        (
            "Private SGDMoritz Knolle, Robert Dorfman et al.",
            "Private SGD",
            ["Moritz Knolle", "Robert Dorfman"],
        ),
        (
            "Interpretable 2D ModelsAlexander Ziller",
            "Interpretable 2D Models",
            ["Alexander Ziller"],
        ),
        (
            "LensGeorgios Kaissis, Stefan Kolek Martinez de Azagra et al.",
            "Lens",
            ["Georgios Kaissis", "Stefan Kolek Martinez de Azagra"],
        ),
    ],
)
def test_title_and_authors_are_told_apart(line, title, authors):
    assert split_title_authors(line)[:2] == (title, authors)


def test_unreadable_lines_are_reported():
    text = "stray text\nLGMar 1, 2022\nno authors here at all\nAbstract.\nCVFeb 30, 2022\nTA B\nx\n"
    parsed = parse_publications(text)
    messages = [str(p) for p in parsed.problems]
    assert messages[0] == "line 1: expected a paper header, found 'stray text'"
    assert "line 3: title and authors could not be told apart; kept as the title" in messages
    assert "line 5: date 'CVFeb 30, 2022' is not a calendar date; skipped" in messages
    # A paper is listed by its date, so the undated one is left out; the other one stays.
    assert [p.title for p in parsed.papers] == ["no authors here at all"]


BIBTEX = r"""
@article{ziller2021,
  title = {Privacy-preserving {Medical} Image Analysis},
  author = {Ziller, Alexander and Passerat-Palmbach, Jonathan and Ryffel, Th{\'e}o and others},
  journal = {Nature Machine Intelligence},
  year = {2021},
  month = jun,
  doi = {10.1038/s42256-021-00337-8},
  url = {https://github.com/gkaissis/PriMIA},
  abstract = {The utilisation of artificial intelligence in medicine.}
}

@misc{broken, title = {Never closed

@inproceedings{knolle2023,
  title = {Bias-Aware Minimisation},
  author = {Moritz Knolle and Robert Dorfman},
  booktitle = {ICML Workshop},
  year = 2023
}

@misc{kaiser2025,
  title = {Your Privacy Depends on Others},
  author = {Kaiser, Johannes and Ziller, Alexander},
  year = {2025},
  month = {jan},
  eprint = {2501.12345},
  archivePrefix = {arXiv},
  primaryClass = {cs.CR}
}

@misc{undated, title = {A Note Without a Year}, author = {Ada Lovelace}}
"""


def test_bibtex_entries():
    parsed = parse_bibtex(BIBTEX)
    assert [p.title for p in parsed.papers] == [
        "Privacy-preserving Medical Image Analysis",
        "Bias-Aware Minimisation",
        "Your Privacy Depends on Others",
    ]
    first = parsed.papers[0]
    assert first.authors == ["Alexander Ziller", "Jonathan Passerat-Palmbach", "Théo Ryffel"]
    assert first.more_authors
    assert first.published == date(2021, 6, 1)
    assert first.code_url == "https://github.com/gkaissis/PriMIA"
    assert first.abstract == "The utilisation of artificial intelligence in medicine."
    assert parsed.papers[1].published == date(2023, 1, 1)
    arxiv = parsed.papers[2]
    assert (arxiv.category, arxiv.published) == ("CR", date(2025, 1, 1))
    assert arxiv.url == "https://arxiv.org/abs/2501.12345"
    assert arxiv.pdf_url == "https://arxiv.org/pdf/2501.12345"
    assert [str(p) for p in parsed.problems] == [
        "line 13: BibTeX entry could not be read; skipped",
        "line 32: entry 'undated' has no year; skipped",
    ]


def _import(runner, path, *args):
    result = runner.invoke(args=["import", "papers", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_importing_the_seed_list_twice(runner, db, client):
    output = _import(runner, LIST)
    assert "28 papers were created, 0 changed, 0 already up to date." in output
    assert "problem: line 43: the date has no year; taken as Jan 19, " in output
    assert db.session.query(Paper).count() == 28
    again = _import(runner, LIST)
    assert "0 papers were created, 0 changed, 28 already up to date." in again
    assert db.session.query(Paper).count() == 28
    html = client.get("/papers").get_data(as_text=True)
    assert "28 papers" in html
    assert "Helena Klause, Alexander Ziller, Daniel Rueckert et al." in html
    assert 'href="https://anonymous.4open.science/r/uad_prototypical_samples/"' in html
    # The abstract's maths is typeset, not shown as TeX source.
    assert '<span class="math inline">\\varepsilon=7.0</span>' in html


def test_dry_run_writes_nothing(runner, db):
    output = _import(runner, LIST, "--dry-run")
    assert "28 papers would be created" in output
    assert "Dry run: nothing was written." in output
    assert db.session.query(Paper).count() == 0


def test_bibtex_import_matches_papers_already_listed(runner, db, client, tmp_path):
    _import(runner, LIST)
    bib = tmp_path / "papers.bib"
    bib.write_text(BIBTEX, encoding="utf-8")
    output = _import(runner, bib)
    # Ziller et al. 2020 is in the list: same title (other case) and first author.
    assert "1 changed" in output
    assert "problem: line 13: BibTeX entry could not be read; skipped" in output
    assert db.session.query(Paper).count() == 30
    medical = db.session.query(Paper).filter_by(title="Privacy-preserving medical image analysis")
    assert medical.one().code_url == "https://github.com/gkaissis/PriMIA"
    assert "0 papers were created, 0 changed, 3 already up to date." in _import(runner, bib)
    # The arXiv id alone finds the paper again, whatever its title has become.
    retitled = BIBTEX.replace("Your Privacy Depends on Others", "Collusion Among Models")
    bib.write_text(retitled, encoding="utf-8")
    assert "0 papers were created, 1 changed" in _import(runner, bib)
    html = client.get("/papers?category=CR&year=2025").get_data(as_text=True)
    assert "Collusion Among Models" in html
    assert 'href="https://arxiv.org/pdf/2501.12345"' in html
    # A BibTeX entry without arXiv's category shows no empty badge.
    html = client.get("/papers?year=2023").get_data(as_text=True)
    assert "Bias-Aware Minimisation" in html
    assert "></abbr>" not in html


def test_papers_listed_on_a_talk(runner, db, client, create_talk, tmp_path):
    talk = create_talk(title="Reading group: DP in medicine")
    source = tmp_path / "papers.txt"
    source.write_text("\n".join(LIST.read_text(encoding="utf-8").splitlines()[:6]) + "\n")
    output = _import(runner, source, "--talk", str(talk.id))
    assert "2 papers were created" in output
    assert [p.category for p in papers_of(talk)] == ["LG", "CV"]
    html = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert '<h2 id="papers-heading">Papers</h2>' in html
    assert "SmoothNets: Optimizing CNN architecture design" in html
    _import(runner, source, "--talk", str(talk.id))
    assert db.session.query(TalkPaper).count() == 2
    bad = runner.invoke(args=["import", "papers", str(source), "--talk", "999"])
    assert bad.exit_code != 0
    assert "there is no talk 999" in bad.output


def test_unreadable_entries_are_reported_and_the_rest_imported(runner, db, tmp_path):
    source = tmp_path / "papers.txt"
    source.write_text(
        "LGMar 1, 2022\nA good paperAda Lovelace, Alan Turing\nAbstract.\n"
        "CVFeb 30, 2022\nA bad dateAda Lovelace\nAbstract.\n"
    )
    output = _import(runner, source)
    assert "problem: line 4: date 'CVFeb 30, 2022' is not a calendar date; skipped" in output
    assert "1 papers were created" in output
    assert [p.title for p in db.session.query(Paper)] == ["A good paper"]


def test_a_shorter_list_never_loses_what_is_stored(runner, db, tmp_path):
    bib = tmp_path / "full.bib"
    bib.write_text(
        "@article{k, title = {Your Privacy Depends on Others: Collusion Vulnerabilities in "
        "Individual Differential Privacy}, author = {Johannes Kaiser and Alexander Ziller and "
        "Eleni Triantafillou and Daniel Rueckert}, year = {2025}, month = {jan}}\n",
        encoding="utf-8",
    )
    _import(runner, bib)
    listed = tmp_path / "list.txt"
    lines = LIST.read_text(encoding="utf-8").splitlines()
    listed.write_text("\n".join(lines[42:45]) + "\n", encoding="utf-8")
    output = _import(runner, listed)
    assert "0 papers were created" in output
    paper = db.session.query(Paper).one()
    # The list's "Kaiser, Ziller, Triantafillou et al." keeps the four names stored, and its
    # date without a year does not move the one BibTeX gave.
    assert paper.authors == [
        "Johannes Kaiser", "Alexander Ziller", "Eleni Triantafillou", "Daniel Rueckert"
    ]  # fmt: skip
    assert paper.published_on == date(2025, 1, 1)
    assert paper.category == "CR"
