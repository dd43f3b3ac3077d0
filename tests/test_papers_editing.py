"""Organizers list a talk's papers in the dashboard; the papers page when there are none."""

from __future__ import annotations

from datetime import date

from prisec.extensions import db as _db
from prisec.papers.models import Paper, TalkPaper
from tests.helpers import csrf_token


def _form(organizer_client, talk) -> str:
    return csrf_token(organizer_client.get(f"/dashboard/talks/{talk.id}/papers").get_data(True))


def test_an_empty_papers_page_says_so_and_links_nowhere(client, create_talk):
    create_talk()
    page = client.get("/papers").get_data(as_text=True)
    main = page.split('<main id="main"', 1)[1]
    assert "No papers yet." in main
    assert 'href="/papers' not in main  # no filters, no "show all" pointing at this page
    assert "No papers match" not in main


def test_an_organizer_adds_a_paper_from_its_arxiv_address(organizer_client, client, create_talk):
    talk = create_talk(title="Membership inference")
    edit = organizer_client.get(f"/dashboard/talks/{talk.id}/edit").get_data(as_text=True)
    assert f'href="/dashboard/talks/{talk.id}/papers"' in edit
    token = _form(organizer_client, talk)
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/papers",
        data={
            "title": "  Membership   Inference Attacks ",
            "authors": "Reza Shokri, Marco Stronati\nCongzheng Song",
            "url": "https://arxiv.org/abs/1610.05820v2",
            "arxiv": "",
            "published_on": "",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    paper = _db.session.scalar(_db.select(Paper))
    assert paper.title == "Membership Inference Attacks"
    assert paper.authors == ["Reza Shokri", "Marco Stronati", "Congzheng Song"]
    assert paper.arxiv_id == "1610.05820"
    assert paper.pdf_url == "https://arxiv.org/pdf/1610.05820"
    assert paper.published_on == date(2016, 10, 1)
    talk_page = client.get(f"/talks/{talk.id}/{talk.slug}").get_data(as_text=True)
    assert "Membership Inference Attacks" in talk_page
    papers_page = client.get("/papers").get_data(as_text=True)
    assert "Membership Inference Attacks" in papers_page
    assert "No papers yet." not in papers_page


def test_an_organizer_edits_and_removes_a_paper(organizer_client, create_talk):
    talk = create_talk()
    token = _form(organizer_client, talk)
    organizer_client.post(
        f"/dashboard/talks/{talk.id}/papers",
        data={
            "title": "Draft",
            "authors": "",
            "url": "",
            "arxiv": "2101.01234",
            "csrf_token": token,
        },
    )
    paper = _db.session.scalar(_db.select(Paper))
    assert paper.url == "https://arxiv.org/abs/2101.01234"
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/papers/{paper.id}").get_data(True)
    assert 'value="2101.01234"' in page
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/papers/{paper.id}",
        data={
            "title": "Final title",
            "authors": "Ada Lovelace",
            "url": "https://example.org/paper",
            "arxiv": "2101.01234",
            "published_on": "2021-02-03",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    _db.session.expire_all()
    paper = _db.session.get(Paper, paper.id)
    assert (paper.title, paper.authors, paper.url) == (
        "Final title",
        ["Ada Lovelace"],
        "https://example.org/paper",
    )
    assert paper.published_on == date(2021, 2, 3)
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/papers/{paper.id}/remove", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert _db.session.scalar(_db.select(TalkPaper)) is None
    assert _db.session.scalar(_db.select(Paper)) is None  # listed nowhere any more


def test_bad_paper_input_is_refused_beside_the_field(organizer_client, create_talk):
    talk = create_talk()
    token = _form(organizer_client, talk)
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/papers",
        data={
            "title": "",
            "url": "javascript:alert(1)",
            "arxiv": "<script>",
            "authors": "",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the paper&#39;s title." in page or "Enter the paper's title." in page
    assert "Enter a web address starting with http:// or https://." in page
    assert "Enter an arXiv id such as 2101.01234" in page
    assert "<script>" not in page.split('<main id="main"', 1)[1]
    assert _db.session.scalar(_db.select(Paper)) is None
    # Without the page's CSRF token nothing changes.
    organizer_client.environ_base.pop("HTTP_X_CSRFTOKEN", None)
    refused = organizer_client.post(
        f"/dashboard/talks/{talk.id}/papers", data={"title": "Sneaky", "url": "", "arxiv": ""}
    )
    assert refused.status_code == 400
    assert _db.session.scalar(_db.select(Paper)) is None


def test_papers_pages_are_for_organizers_only(client, create_talk):
    talk = create_talk()
    response = client.get(f"/dashboard/talks/{talk.id}/papers")
    assert response.status_code in (302, 401)
