"""The archive at /talks: filters, full-text search, pages, and the htmx fragment."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from prisec.search import SearchFilters, fts_query, search_talks
from tests.helpers import raw_sql


def _titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="talk-title"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def archive(create_talk, create_series, create_speaker):
    seminar = create_series(slug="seminar", name="Seminar")
    reading = create_series(slug="reading", name="Reading Group")
    carlini = create_speaker(name="Nicholas Carlini", affiliation="Google DeepMind")
    rieck = create_speaker(name="Konrad Rieck", affiliation="Technische Universität Braunschweig")
    return {
        "extraction": create_talk(
            series=seminar,
            speakers=[carlini],
            title="Extracting training data from language models",
            abstract="Memorisation of **training data** in large models.",
            start=datetime(2021, 3, 3, 13, tzinfo=UTC),
        ),
        "scaling": create_talk(
            series=seminar,
            speakers=[rieck],
            title="Image-scaling attacks",
            abstract="Adversarial preprocessing against vision pipelines.",
            start=datetime(2022, 5, 4, 13, tzinfo=UTC),
        ),
        "dp": create_talk(
            series=reading,
            speakers=[carlini, rieck],
            title="Differential privacy in practice",
            abstract="Auditing $\\varepsilon$ with membership inference.",
            start=datetime(2022, 11, 9, 13, tzinfo=UTC),
        ),
        "draft": create_talk(series=seminar, title="Unpublished training secrets", published=False),
    }


def test_every_published_talk_newest_first(client, archive):
    html = client.get("/talks").get_data(as_text=True)
    assert _titles(html) == [
        "Differential privacy in practice",
        "Image-scaling attacks",
        "Extracting training data from language models",
    ]
    assert "3 talks" in html
    assert "Unpublished" not in html
    assert '<form class="archive-search" action="/talks" method="get"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("training", ["Extracting training data from language models"]),  # title and abstract
        (
            "carlini",
            ["Differential privacy in practice", "Extracting training data from language models"],
        ),
        ("braunschweig", ["Differential privacy in practice", "Image-scaling attacks"]),
        (
            "Universitat",
            ["Differential privacy in practice", "Image-scaling attacks"],
        ),  # diacritics
        ("preproc", ["Image-scaling attacks"]),  # prefix, as one types
        ("membership auditing", ["Differential privacy in practice"]),  # every word
        ("deepmind memorisation", ["Extracting training data from language models"]),
    ],
)
def test_search_words(client, archive, query, expected):
    html = client.get("/talks", query_string={"q": query}).get_data(as_text=True)
    assert sorted(_titles(html)) == sorted(expected)


@pytest.mark.parametrize(
    "query",
    ['"', '"unbalanced', "(((", "a)", "NOT", "AND OR", "title:x", "^x", "x*", "NEAR(a b, 3", "-x",
     "'; DROP TABLE talk; --", "\\", "\x00", "💥", "a" * 500],
)  # fmt: skip
def test_odd_queries_never_error(client, archive, query):
    response = client.get("/talks", query_string={"q": query})
    assert response.status_code == 200
    assert raw_sql(client.application, "SELECT count(*) FROM talk")[0][0] == 4


def test_operators_are_words(client, archive):
    html = client.get("/talks", query_string={"q": 'attacks OR "privacy"'}).get_data(as_text=True)
    assert "No talks match" in html  # no talk holds the words "attacks", "or" and "privacy"
    assert fts_query('a OR "b" (c') == '"a"* "OR"* "b"* "c"*'


def test_empty_result_says_so(client, archive):
    html = client.get("/talks", query_string={"q": "quantum gravity"}).get_data(as_text=True)
    assert "No talks match “quantum gravity”" in html
    assert "Show all talks" in html


def test_filters(client, archive):
    by_series = client.get("/talks?series=reading").get_data(as_text=True)
    assert _titles(by_series) == ["Differential privacy in practice"]
    by_year = client.get("/talks?year=2022").get_data(as_text=True)
    assert _titles(by_year) == ["Differential privacy in practice", "Image-scaling attacks"]
    rieck = archive["scaling"].speakers[0]
    by_speaker = client.get(f"/talks?speaker={rieck.id}&year=2022&series=seminar")
    assert _titles(by_speaker.get_data(as_text=True)) == ["Image-scaling attacks"]
    # Each speaker's name leads to their talks.
    assert f'href="/talks?speaker={rieck.id}"' in client.get("/talks").get_data(as_text=True)
    assert '<option value="2021">2021</option>' in by_series
    assert '<option value="reading" selected>Reading Group</option>' in by_series


@pytest.mark.parametrize("args", ["year=abc", "year=99999", "speaker=0", "series=nope", "page=x"])
def test_bad_filters_are_ignored(client, archive, args):
    response = client.get(f"/talks?{args}")
    assert response.status_code == 200
    assert len(_titles(response.get_data(as_text=True))) == 3


def test_htmx_gets_only_the_results(client, archive):
    response = client.get(
        "/talks?q=attacks", headers={"HX-Request": "true", "HX-Target": "archive-results"}
    )
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "<form" not in html
    assert _titles(html) == ["Image-scaling attacks"]
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["HX-Push-Url"] == "/talks?q=attacks"


def test_live_search_attributes(client, archive):
    html = client.get("/talks").get_data(as_text=True)
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-push-url="true"' in html
    assert 'hx-target="#archive-results"' in html


def test_pages_keep_the_filters(app, client, create_talk):
    base = datetime(2020, 1, 8, 13, tzinfo=UTC)
    for i in range(45):
        create_talk(title=f"Seminar on privacy {i:02d}", start=base + timedelta(weeks=i))
    first = client.get("/talks?q=privacy").get_data(as_text=True)
    assert "45 talks, page 1 of 3" in first
    assert len(_titles(first)) == 20
    assert 'href="/talks?q=privacy&amp;page=2"' in first
    last = client.get("/talks?q=privacy&page=3").get_data(as_text=True)
    assert len(_titles(last)) == 5
    assert 'href="/talks?q=privacy&amp;page=2"' in last
    assert "page=4" not in last


def test_index_follows_every_write(db, archive):
    talk = archive["scaling"]
    talk.title = "Camouflage in downscaled images"
    db.session.commit()
    assert [t.id for t in search_talks("camouflage").talks] == [talk.id]
    assert search_talks("image-scaling").total == 0
    speaker = talk.speakers[0]
    speaker.affiliation = "CISPA Helmholtz Center"
    db.session.commit()
    assert {t.id for t in search_talks("cispa").talks} == {talk.id, archive["dp"].id}
    talk.abstract = "Periwinkle attacks on thumbnails."
    speaker.name = "Quillon Marsh"
    db.session.commit()
    assert [t.id for t in search_talks("periwinkle").talks] == [talk.id]
    assert talk.id in {t.id for t in search_talks("quillon").talks}
    # A change the index does not hold leaves what it holds in place.
    talk.location = "Room 101"
    db.session.commit()
    assert [t.id for t in search_talks("periwinkle").talks] == [talk.id]
    db.session.delete(talk)
    db.session.commit()
    assert search_talks("camouflage").total == 0


def test_search_interface_combines_words_and_filters(archive):
    page = search_talks("carlini", SearchFilters(year=2021))
    assert [t.title for t in page.talks] == ["Extracting training data from language models"]
    assert page.total == 1
    assert not page.has_next


def test_a_later_migration_may_rebuild_the_talk_table(app, db, archive):
    # Alembic's batch mode on SQLite copies a table, drops it and renames the copy; the
    # search index must neither block that nor stop following edits afterwards.
    talk_class, talk_id = type(archive["dp"]), archive["dp"].id
    # PostgreSQL alters the table in place, as a later migration would there.
    sqlite = db.engine.dialect.name == "sqlite"
    db.session.remove()
    with db.engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("talk", recreate="always" if sqlite else "auto") as batch:
            batch.alter_column("title", existing_type=sa.String(300), nullable=False)
        connection.commit()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    assert search_talks("carlini").total == 2
    talk = db.session.get(talk_class, talk_id)
    talk.title = "Renamed after the migration"
    db.session.commit()
    assert [t.id for t in search_talks("renamed").talks] == [talk.id]


def test_reindex_command_catches_up_with_raw_sql(app, runner, archive):
    raw_sql(app, "UPDATE talk SET title = 'Quietly renamed' WHERE title = 'Image-scaling attacks'")
    assert search_talks("quietly").total == 0
    result = runner.invoke(args=["search-reindex"])
    assert result.exit_code == 0, result.output
    assert search_talks("quietly").total == 1


def test_the_speaker_field_finds_talks_by_part_of_a_name(client, archive):
    html = client.get("/talks?speaker=RLIN").get_data(as_text=True)
    assert _titles(html) == [
        "Differential privacy in practice",
        "Extracting training data from language models",
    ]
    # The field keeps what was typed; there is no menu listing every speaker.
    assert 'name="speaker" id="archive-speaker" value="RLIN"' in html
    assert '<select name="speaker"' not in html
    nobody = client.get("/talks?speaker=nobody%25").get_data(as_text=True)
    assert _titles(nobody) == []


def test_the_speaker_field_suggests_names_of_speakers_of_public_talks(
    client, archive, create_talk, create_speaker
):
    create_talk(speakers=[create_speaker(name="Konrada Draft")], published=False)
    options = client.get("/talks/speakers?speaker=konrad").get_data(as_text=True)
    assert options.strip() == '<option value="Konrad Rieck"></option>'
    # One letter suggests nothing: every name would match.
    assert client.get("/talks/speakers?speaker=k").get_data(as_text=True).strip() == ""
