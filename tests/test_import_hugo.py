"""Importing Hugo Academic talk pages: the parser, then the command."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from prisec.extensions import db as _db
from prisec.importers.hugo import parse_talk_page, talk_files
from prisec.models import Series, Speaker, Talk

FIXTURES = Path(__file__).parent / "fixtures"
TALK = FIXTURES / "hugo-academic-talk.md"


def _row_counts() -> dict[str, int]:
    return {
        table.name: _db.session.scalar(select(func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
        if table.name != "cache_scope"
    }


def test_seed_talk_parses():
    parsed = parse_talk_page(TALK.read_text(), source="talk.md")
    talk = parsed.talk
    assert talk is not None
    assert talk.title == "Practical Adversarial Robustness in Deep Learning: Problems and Solutions"
    assert talk.event_name == "CNeRG Reading Group"
    assert talk.event_url == ""
    assert talk.abstract.startswith("Deep learning has brought us tremendous achievements")
    assert talk.abstract.endswith("to name a few.")
    assert (talk.day, talk.at, talk.zone) == (date(2022, 11, 18), None, None)
    assert [s.name for s in talk.speakers] == ["Kiran Purohit"]
    # The slides are a file of the old site: reported with its line, not linked.
    assert talk.slides_url == ""
    assert [str(p) for p in parsed.problems] == [
        "talk.md, line 33: url_slides 'Practical_Adversarial_Robustness.pdf' is a file of the "
        "old site, not a web address; left empty (give --base-url to link to it)"
    ]


def test_relative_links_resolve_against_the_base_url():
    parsed = parse_talk_page(TALK.read_text(), base_url="https://cnerg.example.org/talk/robust/")
    assert parsed.problems == []
    assert parsed.talk.slides_url == (
        "https://cnerg.example.org/talk/robust/Practical_Adversarial_Robustness.pdf"
    )


def test_full_date_with_offset_and_end():
    page = """---
title: Timed talk
authors: [Ada Lovelace, Charles Babbage]
date: 2023-03-01T14:00:00+01:00
date_end: 2023-03-01T15:30:00+01:00
url_video: https://video.example.org/1
draft: true
---
"""
    talk = parse_talk_page(page).talk
    assert (talk.day, talk.at, talk.zone) == (date(2023, 3, 1), time(13, 0), "Etc/UTC")
    assert talk.duration_minutes == 90
    assert talk.recording_url == "https://video.example.org/1"
    assert [s.name for s in talk.speakers] == ["Ada Lovelace", "Charles Babbage"]
    assert talk.published is False


def test_unreadable_pages_are_reported_with_lines():
    no_date = "---\ntitle: x\nauthors: [A]\ndate: someday\n---\n"
    assert str(parse_talk_page(no_date, source="a.md").problems[0]).startswith(
        "a.md, line 4: no readable date"
    )
    no_authors = "---\ntitle: x\ndate: 2022-01-01\n---\n"
    assert "no authors" in str(parse_talk_page(no_authors).problems[0])
    bad_yaml = "---\ntitle: x\nauthors: [A\ndate: 2022-01-01\n---\n"
    result = parse_talk_page(bad_yaml)
    assert result.talk is None
    assert str(result.problems[0]).startswith("line ")
    assert "not valid YAML" in str(result.problems[0])
    assert parse_talk_page("no front matter").talk is None


def test_talk_files_in_a_tree(tmp_path):
    (tmp_path / "talk" / "one").mkdir(parents=True)
    (tmp_path / "talk" / "one" / "index.md").write_text("x")
    (tmp_path / "talk" / "one" / "notes.md").write_text("a resource of the bundle")
    (tmp_path / "talk" / "_index.md").write_text("section page")
    (tmp_path / "talk" / "two.md").write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in talk_files(tmp_path)] == [
        "talk/one/index.md",
        "talk/two.md",
    ]


def _site(tmp_path: Path) -> Path:
    """A Hugo content tree: the seed talk as a page bundle with its image, and a broken page."""
    bundle = tmp_path / "content" / "talk" / "robustness"
    bundle.mkdir(parents=True)
    shutil.copy(TALK, bundle / "index.md")
    Image.new("RGB", (120, 120), "teal").save(bundle / "featured.png")
    (tmp_path / "content" / "talk" / "broken.md").write_text(
        "---\ntitle: x\ndate: 2022-01-01\n---\n"
    )
    return tmp_path / "content"


def test_import_hugo_tree(runner, db, tmp_path):
    content = _site(tmp_path)
    result = runner.invoke(args=["import", "hugo", str(content), "--series", "cnerg"])
    assert result.exit_code == 0, result.output
    assert "1 talks were created" in result.output
    assert "talk/broken.md, line 1: no authors" in result.output
    series = db.session.scalar(select(Series).where(Series.slug == "cnerg"))
    assert series.name == "CNeRG Reading Group"
    talk = db.session.scalar(select(Talk))
    # Date only: the series' default start time (13:00 London, GMT in November).
    assert talk.start == datetime(2022, 11, 18, 13, 0, tzinfo=UTC)
    assert talk.end == datetime(2022, 11, 18, 14, 0, tzinfo=UTC)
    assert talk.event_name == "CNeRG Reading Group"
    speaker = db.session.scalar(select(Speaker))
    assert speaker.name == "Kiran Purohit"
    assert speaker.photo.endswith(".png")

    before = _row_counts()
    again = runner.invoke(args=["import", "hugo", str(content), "--series", "cnerg"])
    assert "0 talks were created, 0 changed, 1 already up to date." in again.output
    assert _row_counts() == before


def test_import_hugo_dry_run_writes_nothing(runner, db, tmp_path):
    before = _row_counts()
    result = runner.invoke(args=["import", "hugo", str(TALK), "--series", "cnerg", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "create talk 18 November 2022 13:00 Europe/London: Kiran Purohit" in result.output
    assert "Dry run: nothing was written." in result.output
    assert _row_counts() == before


def test_base_url_added_later_fills_the_slides(runner, db):
    runner.invoke(args=["import", "hugo", str(TALK), "--series", "cnerg"])
    result = runner.invoke(
        args=["import", "hugo", str(TALK), "--series", "cnerg", "--base-url", "https://x.org/t/"]
    )
    assert "0 talks were created, 1 changed" in result.output
    assert db.session.scalar(select(Talk.slides_url)) == (
        "https://x.org/t/Practical_Adversarial_Robustness.pdf"
    )
