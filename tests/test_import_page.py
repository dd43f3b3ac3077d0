"""Importing a hand-edited Jekyll seminar page: the parser, then the command."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from prisec import demo
from prisec.extensions import db as _db
from prisec.importers.jekyll import parse_page
from prisec.importers.repair import repair_text
from prisec.models import Series, Speaker, Talk

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = FIXTURES / "prisec-ml-homepage.md"


def _row_counts() -> dict[str, int]:
    """Rows per table: what 'created nothing' means."""
    return {
        table.name: _db.session.scalar(select(func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
        if table.name != "cache_scope"
    }


def _talks(db) -> dict[str, Talk]:
    return {t.speakers[0].name: t for t in db.session.scalars(select(Talk))}


# The parser ---------------------------------------------------------------------------


def test_seed_page_parses_into_its_three_talks():
    parsed = parse_page(PAGE.read_text())
    assert parsed.problems == []
    by_name = {t.speakers[0].name: t for t in parsed.talks}
    assert list(by_name) == ["Sara Hooker", "Reza Shokri", "Konrad Rieck"]
    shokri = by_name["Reza Shokri"]
    assert (shokri.day, shokri.at, shokri.zone) == (
        date(2021, 11, 17),
        time(13, 30),
        "Europe/London",
    )
    assert shokri.previous_days == [date(2021, 10, 27)]
    assert shokri.abstract == ""  # "TBA" on the page
    assert shokri.speakers[0].honorific == "Prof."
    assert shokri.speakers[0].photo == "../images/reza.jpeg"
    assert shokri.registration_url.startswith("https://ucl.zoom.us/meeting/register/")
    assert by_name["Konrad Rieck"].speakers[0].affiliation == "Technische Universität Braunschweig"
    hooker = by_name["Sara Hooker"]
    assert hooker.registration_url == hooker.livestream_url == ""  # the page's empty links
    # The page has a stray ")" after the bio link; it does not survive.
    assert hooker.bio == "[https://www.sarahooker.me](https://www.sarahooker.me)"
    assert parsed.series.organizers[0].name == "Emiliano De Cristofaro"
    assert parsed.series.organizers[0].homepage == "https://emilianodc.com/"


def test_seed_page_reads_like_the_demo_series():
    """The demo was typed in by hand from the same page: the parser must agree with it."""
    parsed = parse_page(PAGE.read_text())
    for spec, talk in zip(demo.TALKS, parsed.talks, strict=True):
        honorific, name, affiliation, homepage = spec["speaker"]
        speaker = talk.speakers[0]
        assert (speaker.honorific, speaker.name, speaker.affiliation, speaker.homepage) == (
            honorific,
            name,
            affiliation,
            homepage,
        )
        for field in ("title", "abstract", "bio", "registration_url", "livestream_url"):
            assert getattr(talk, field) == spec[field], (name, field)
    for field in ("name", "description", "mailing_list_url", "youtube_url"):
        assert getattr(parsed.series, field) == demo.SERIES[field], field
    assert parsed.series.calendar_ics_url == demo.SERIES["calendar_ics_url"]
    assert [(o.honorific, o.name, o.affiliation, o.homepage) for o in parsed.series.organizers] == [
        tuple(o) for o in demo.ORGANIZERS
    ]


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("Technische Universit√§t Braunschweig", "Technische Universität Braunschweig"),
        ("G√∂ttingen and M√ºnchen", "Göttingen and München"),  # Mac Roman
        ("Ã‰cole Polytechnique FÃ©dÃ©rale", "École Polytechnique Fédérale"),  # Windows-1252
        ("“Curly” quotes — and dashes stay", "“Curly” quotes — and dashes stay"),
        ("√2 and § 3 are not mojibake", "√2 and § 3 are not mojibake"),
    ],
)
def test_mojibake_is_repaired(broken, repaired):
    assert repair_text(broken) == repaired


MALFORMED = """\
---
title: Broken Seminar
---

### Upcoming Seminars

- sometime soon, 16:00
**Dr. Nobody (Nowhere)**
A talk without a date

- 3 November 2021, 16:00 ([Berlin time](https://www.timeanddate.com/worldclock/fixedtime.html?iso=20211103T1600&p1=99999))
**Dr. Ada Lovelace (Analytical Engines Ltd)**
Notes on the Engine
[[Zoom Registration](not-a-link)] [[Live Stream](https://youtu.be/abc]

- ~~1 Octember 2021~~ 10 November 2021, 13:00 ([UK time](https://www.timeanddate.com/worldclock/fixedtime.html?p1=136))
**Prof. Alan Turing (Manchester)**
Computing Machinery
[[Zoom Registration](https://example.org/register)]<details><br>**Abstract:**<br>TBA<br><br>**Bio:**<br>Mathematician.<br></details>

- 17 November 2021
Missing speaker line
"""


def test_malformed_page_reports_lines_and_keeps_the_rest():
    parsed = parse_page(MALFORMED)
    messages = [str(p) for p in parsed.problems]
    assert any(m.startswith("line 7: no date found") for m in messages), messages
    assert any(m.startswith("line 11: world-clock place p1=99999") for m in messages), messages
    assert any(
        m.startswith("line 14: link 'Zoom Registration' is not a web address") for m in messages
    )
    assert any(m.startswith("line 14: link 'Live Stream' is not closed") for m in messages)
    assert any(m.startswith("line 16: earlier date '1 Octember 2021' not read") for m in messages)
    assert any(m.startswith("line 21: no speaker") for m in messages), messages
    talks = {t.speakers[0].name: t for t in parsed.talks}
    assert set(talks) == {"Ada Lovelace", "Alan Turing"}
    assert talks["Ada Lovelace"].zone is None  # falls back to the series' zone
    assert talks["Ada Lovelace"].registration_url == ""
    assert talks["Alan Turing"].bio == "Mathematician."
    assert talks["Alan Turing"].registration_url == "https://example.org/register"


# The command --------------------------------------------------------------------------


def test_import_command_creates_the_three_talks(runner, db, client):
    result = runner.invoke(args=["import", "page", str(PAGE), "--series", "prisec-ml"])
    assert result.exit_code == 0, result.output
    assert "3 talks were created" in result.output
    series = db.session.scalar(select(Series).where(Series.slug == "prisec-ml"))
    assert series.name == "Privacy and Security in ML Seminars"
    assert series.timezone == "Europe/London"
    assert [o.name for o in series.organizers][-1] == "Vasilis Mavroudis"
    talks = _talks(db)
    assert set(talks) == {"Sara Hooker", "Reza Shokri", "Konrad Rieck"}
    shokri = talks["Reza Shokri"]
    assert shokri.start == datetime(2021, 11, 17, 13, 30, tzinfo=UTC)
    # 27 October 2021 was British Summer Time: the same 13:30 is 12:30 UTC.
    assert shokri.previous_starts == [datetime(2021, 10, 27, 12, 30, tzinfo=UTC)]
    assert [r.summary for r in shokri.revisions][0] == "Imported"
    assert len(shokri.revisions) == 2  # created, then rescheduled
    assert talks["Konrad Rieck"].speakers[0].affiliation == "Technische Universität Braunschweig"
    assert all(t.published for t in talks.values())

    page = client.get("/series/prisec-ml").get_data(as_text=True)
    assert "Technische Universität Braunschweig" in page
    assert re.search(r"<del[^>]*>.*27 October 2021", page)


def test_second_import_changes_nothing(runner, db):
    runner.invoke(args=["import", "page", str(PAGE), "--series", "prisec-ml"])
    before = _row_counts()
    result = runner.invoke(args=["import", "page", str(PAGE), "--series", "prisec-ml"])
    assert result.exit_code == 0, result.output
    assert "0 talks were created, 0 changed, 3 already up to date." in result.output
    assert "create " not in result.output
    assert "change " not in result.output
    assert _row_counts() == before


def test_dry_run_prints_and_writes_nothing(runner, db):
    before = _row_counts()
    result = runner.invoke(args=["import", "page", str(PAGE), "--series", "prisec-ml", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "create series 'prisec-ml'" in result.output
    assert result.output.count("create talk ") == 3
    assert "Privacy Auditing in Machine Learning (moved from 27 October 2021)" in result.output
    assert "Dry run: nothing was written." in result.output
    assert _row_counts() == before


def test_changed_page_reschedules_and_updates_the_existing_talk(runner, db, tmp_path):
    runner.invoke(args=["import", "page", str(PAGE), "--series", "prisec-ml"])
    text = (
        PAGE.read_text()
        .replace(
            "~~27 October 2021~~ 17 November 2021",
            "~~27 October 2021~~ ~~17 November 2021~~ 1 December 2021",
        )
        .replace("Privacy Auditing in Machine Learning", "Privacy Auditing in ML")
    )
    moved = tmp_path / "index.md"
    moved.write_text(text)
    result = runner.invoke(args=["import", "page", str(moved), "--series", "prisec-ml"])
    assert result.exit_code == 0, result.output
    assert "0 talks were created, 1 changed, 2 already up to date." in result.output
    shokri = _talks(db)["Reza Shokri"]
    db.session.refresh(shokri)
    assert shokri.title == "Privacy Auditing in ML"
    assert shokri.start == datetime(2021, 12, 1, 13, 30, tzinfo=UTC)
    assert shokri.previous_starts[-1] == datetime(2021, 11, 17, 13, 30, tzinfo=UTC)
    assert db.session.scalar(select(func.count()).select_from(Talk)) == 3


def test_malformed_page_imports_what_it_can(runner, db, tmp_path):
    page = tmp_path / "broken.md"
    page.write_text(MALFORMED)
    result = runner.invoke(args=["import", "page", str(page), "--series", "broken"])
    assert result.exit_code == 0, result.output
    assert "problem: line 7: no date found" in result.output
    assert "problem: line 11: world-clock place p1=99999" in result.output
    assert "2 talks were created" in result.output
    series = db.session.scalar(select(Series).where(Series.slug == "broken"))
    assert series.name == "Broken Seminar"
    # Ada's unknown zone falls back to the series' zone (London, from Turing's link).
    ada = _talks(db)["Ada Lovelace"]
    assert ada.start == datetime(2021, 11, 3, 16, 0, tzinfo=UTC)


def test_photos_beside_the_page_are_stored(runner, db, app, client, tmp_path):
    site = tmp_path / "site"
    (site / "_pages").mkdir(parents=True)
    (site / "images").mkdir()
    (site / "_pages" / "index.md").write_text(PAGE.read_text())
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1200), "teal").save(photo, "PNG")
    (site / "images" / "sara.png").write_bytes(photo.getvalue())
    # A photo that is also a web page is refused, as it would be through the form.
    (site / "images" / "konrad.jpeg").write_bytes(_jpeg() + b"<html><script>alert(1)</script>")
    result = runner.invoke(
        args=["import", "page", str(site / "_pages" / "index.md"), "--series", "prisec-ml"]
    )
    assert result.exit_code == 0, result.output
    assert "photo ../images/reza.jpeg of Reza Shokri not found" in result.output
    assert "photo ../images/konrad.jpeg of Konrad Rieck refused: The photo also holds" in (
        result.output
    )
    hooker = db.session.scalar(select(Speaker).where(Speaker.name == "Sara Hooker"))
    assert re.fullmatch(r"[0-9a-f]{64}\.png", hooker.photo)
    # Re-encoded like an upload: at most 800 pixels on its longest side.
    with Image.open(Path(app.config["UPLOAD_FOLDER"]) / hooker.photo) as stored:
        assert stored.size == (800, 600)
    with client.get(f"/uploads/photos/{hooker.photo}") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
    rieck = db.session.scalar(select(Speaker).where(Speaker.name == "Konrad Rieck"))
    assert rieck.photo == ""


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "navy").save(out, "JPEG")
    return out.getvalue()


def test_existing_series_keeps_its_settings(runner, db, create_series):
    create_series(slug="prisec-ml", name="Our own name", timezone="America/New_York")
    result = runner.invoke(args=["import", "page", str(PAGE), "--series", "prisec-ml"])
    assert result.exit_code == 0, result.output
    series = db.session.scalar(select(Series).where(Series.slug == "prisec-ml"))
    assert series.name == "Our own name"
    assert series.timezone == "America/New_York"
    assert series.youtube_url.endswith("PrivacyandMachineLearningInterestGroup")
    # The page's world-clock links say London, whatever the series' zone.
    assert _talks(db)["Sara Hooker"].start == datetime(2021, 11, 3, 16, 0, tzinfo=UTC)


def test_abstract_with_blank_lines_and_a_weekday_in_the_date():
    page = """### Upcoming Seminars

- Wednesday, 1 December 2021, 14:00 ([UK time](https://www.timeanddate.com/worldclock/fixedtime.html?p1=136))
**Dr. Grace Hopper (Navy)**
Compilers
<details>
**Abstract:**
First paragraph.

Second paragraph.

**Bio:**
Admiral.
</details>

### Organizers
- Dr. Someone, Somewhere
"""
    parsed = parse_page(page)
    assert parsed.problems == []
    (talk,) = parsed.talks
    assert talk.day == date(2021, 12, 1)
    assert talk.abstract == "First paragraph.\n\nSecond paragraph."
    assert talk.bio == "Admiral."
    assert parsed.series.organizers[0].affiliation == "Somewhere"


def test_series_slug_must_read_well(runner):
    result = runner.invoke(args=["import", "page", str(PAGE), "--series", "PriSec ML"])
    assert result.exit_code == 2
    assert "such as 'prisec-ml'" in result.output


def test_text_longer_than_its_field_is_cut_and_reported(runner, db, tmp_path):
    # SQLite would keep it and PostgreSQL refuse it; both engines store the same cut text.
    title = (
        "The myth of the interpretable, robust, compact and high performance deep neural network"
    )
    long_title = "A very long title " * 30
    page = tmp_path / "long.md"
    page.write_text(PAGE.read_text().replace(title, long_title.strip()))
    result = runner.invoke(args=["import", "page", str(page), "--series", "long"])
    assert result.exit_code == 0, result.output
    assert "problem: line 13: title is longer than 300 characters; cut" in result.output
    assert _talks(db)["Sara Hooker"].title == long_title[:300]
