"""Parsing paper lists: a publications page copied as text, and BibTeX."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from prisec.importers.papers import parse_bibtex, parse_publications, split_title_authors

LIST = Path(__file__).parent / "fixtures" / "publications-list.txt"


def test_every_entry_of_the_seed_list_is_read():
    text = LIST.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) % 3 == 0  # header, title and authors, abstract
    parsed = parse_publications(text)
    assert len(parsed.papers) == len(lines) // 3 == 28
    # One entry ("CRJan 19") has no year: reported, still read.
    assert [str(p) for p in parsed.problems] == ["line 43: the date has no year; left empty"]
    assert all(p.title and p.authors and p.abstract for p in parsed.papers)


def test_seed_list_fields():
    papers = parse_publications(LIST.read_text(encoding="utf-8")).papers
    first = papers[0]
    assert first.category == "LG"
    assert first.published == date(2022, 3, 1)
    assert first.title == (
        "Differentially private training of residual networks with scale normalisation"
    )
    assert first.authors == ["Helena Klause", "Alexander Ziller", "Daniel Rueckert"]
    assert first.more_authors
    assert first.abstract.endswith("(ε=8.0) when trained from scratch.")
    coded = [p for p in papers if p.has_code]
    assert [p.title[:20] for p in coded] == ["How Low Can You Go? "]
    assert coded[0].code_url == "https://anonymous.4open.science/r/uad_prototypical_samples/"
    undated = next(p for p in papers if p.published is None)
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
    assert "line 5: date 'CVFeb 30, 2022' is not a calendar date" in messages
    assert len(parsed.papers) == 2


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
"""


def test_bibtex_entries():
    parsed = parse_bibtex(BIBTEX)
    assert [p.key for p in parsed.papers] == ["ziller2021", "knolle2023"]
    first = parsed.papers[0]
    assert first.title == "Privacy-preserving Medical Image Analysis"
    assert first.authors == ["Alexander Ziller", "Jonathan Passerat-Palmbach", "Théo Ryffel"]
    assert first.more_authors
    assert first.published == date(2021, 6, 1)
    assert first.venue == "Nature Machine Intelligence"
    assert first.code_url == "https://github.com/gkaissis/PriMIA"
    assert parsed.papers[1].year == 2023
    assert parsed.papers[1].venue == "ICML Workshop"
    assert [str(p) for p in parsed.problems] == ["line 13: BibTeX entry could not be read; skipped"]
