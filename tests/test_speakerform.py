"""Speaker links: the private form, expiry, withdrawal, tampering, and field-by-field review."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from prisec.database import utcnow
from prisec.models import Talk, TalkRevision
from prisec.speakerform.models import SpeakerLink, SpeakerProposal
from tests.helpers import csrf_token


@pytest.fixture
def talk(create_talk, create_speaker):
    speaker = create_speaker(name="Grace Hopper", affiliation="Navy", homepage="")
    return create_talk(speakers=[speaker], title="", abstract="", bio="")


def new_link(organizer_client, talk: Talk, days: str = "30") -> str:
    """Create a link as an organizer would, and return its path from the page."""
    response = organizer_client.post(
        f"/dashboard/talks/{talk.id}/speaker-links", data={"days": days}
    )
    assert response.status_code == 200
    match = re.search(r'value="http://localhost(/speak/[^"]+)"', response.get_data(as_text=True))
    assert match, "the new link is shown"
    return match.group(1)


def speaker_post(client, path: str, **fields):
    token = csrf_token(client.get(path).get_data(as_text=True))
    data = {
        "title": "Compilers",
        "abstract": "About *compilers*.",
        "bio": "Grace wrote the first compiler.",
        "affiliation": "Yale",
        "homepage": "https://grace.example/",
        "csrf_token": token,
        **fields,
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def test_speaker_sees_their_talk_and_proposes_without_an_account(
    organizer_client, client, talk, db
):
    path = new_link(organizer_client, talk)
    page = client.get(path)
    assert page.status_code == 200
    assert "Your talk at Test Seminar" in page.get_data(as_text=True)
    assert "Grace Hopper" in page.get_data(as_text=True)
    response = speaker_post(client, path)
    assert response.status_code == 200
    assert "Thank you" in response.get_data(as_text=True)
    # Held for review: the talk itself is unchanged.
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).title == ""
    (proposal,) = db.session.scalars(select(SpeakerProposal)).all()
    assert proposal.proposed["title"] == "Compilers"
    assert proposal.link.answered_at is not None


def test_the_link_expires(organizer_client, client, talk, db):
    path = new_link(organizer_client, talk)
    link = db.session.scalars(select(SpeakerLink)).one()
    assert link.expires_at - utcnow() > timedelta(days=29)
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post(path, data={"title": "x", "csrf_token": token}).status_code == 410


def test_a_withdrawn_link_no_longer_opens(organizer_client, client, talk, db):
    path = new_link(organizer_client, talk)
    link = db.session.scalars(select(SpeakerLink)).one()
    response = organizer_client.post(f"/dashboard/speaker-links/{link.id}/revoke")
    assert response.status_code == 303
    page = client.get(path)
    assert page.status_code == 410
    assert "withdrawn" in page.get_data(as_text=True)
    assert "withdrawn" in organizer_client.get(
        f"/dashboard/talks/{talk.id}/speaker-links"
    ).get_data(as_text=True)


def test_a_tampered_token_opens_nothing(organizer_client, client, talk, db):
    path = new_link(organizer_client, talk)
    last = path[-1]
    tampered = path[:-1] + ("A" if last != "A" else "B")
    assert client.get(tampered).status_code == 404
    assert client.get("/speak/").status_code == 404
    form_token = csrf_token(client.get(path).get_data(as_text=True))
    preview = client.post(
        "/preview",
        data={"abstract": "x", "token": tampered.rsplit("/", 1)[1]},
        headers={"X-CSRFToken": form_token},
    )
    assert preview.status_code == 404
    # The database stores no token, only its hash.
    token = path.rsplit("/", 1)[1]
    link = db.session.scalars(select(SpeakerLink)).one()
    assert token not in (link.token_hash, str(link.id))


def test_a_speaker_cannot_see_or_change_another_talk(
    organizer_client, client, talk, create_talk, create_speaker, db
):
    other = create_talk(
        speakers=[create_speaker(name="Alan Turing")], title="Secret other talk", abstract=""
    )
    path = new_link(organizer_client, talk)
    page = client.get(path).get_data(as_text=True)
    assert "Secret other talk" not in page
    assert "Alan Turing" not in page
    # Nothing in the form names the talk: a talk id sent along is ignored.
    speaker_post(client, path, talk_id=str(other.id))
    proposal = db.session.scalars(select(SpeakerProposal)).one()
    assert proposal.talk_id == talk.id
    # The organizer side is not open to the speaker.
    response = client.get(f"/dashboard/proposals/{proposal.id}")
    assert response.status_code == 302
    assert client.get(f"/dashboard/talks/{other.id}/speaker-links").status_code == 302


def test_public_preview_renders_markdown_for_a_usable_link_only(organizer_client, client, talk):
    path = new_link(organizer_client, talk)
    token = csrf_token(client.get(path).get_data(as_text=True))
    speaker_token = path.rsplit("/", 1)[1]
    headers = {"X-CSRFToken": token}
    abstract = "*bold* <script>x</script>"
    response = client.post(
        "/preview", data={"abstract": abstract, "token": speaker_token}, headers=headers
    )
    assert response.status_code == 200
    assert "<em>bold</em>" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    # Without a token, or with one never issued, the preview is not there.
    assert client.post("/preview", data={"abstract": abstract}, headers=headers).status_code == 404
    stranger = {"abstract": abstract, "token": "x" * 43}
    assert client.post("/preview", data=stranger, headers=headers).status_code == 404


def test_field_by_field_accept_is_a_normal_revision(organizer_client, client, talk, db):
    path = new_link(organizer_client, talk)
    speaker_post(client, path)
    proposal = db.session.scalars(select(SpeakerProposal)).one()
    review = organizer_client.get(f"/dashboard/proposals/{proposal.id}").get_data(as_text=True)
    assert "About <em>compilers</em>." in review
    assert 'value="title" checked' in review
    assert "Navy" in review  # the current affiliation beside the proposed one
    response = organizer_client.post(
        f"/dashboard/proposals/{proposal.id}", data={"accept": ["title", "affiliation"]}
    )
    assert response.status_code == 303
    db.session.expire_all()
    changed = db.session.get(Talk, talk.id)
    assert changed.title == "Compilers"
    assert changed.abstract == ""  # not ticked
    assert changed.speakers[0].affiliation == "Yale"
    assert changed.speakers[0].homepage == ""
    revision = db.session.scalars(
        select(TalkRevision).where(TalkRevision.talk_id == talk.id).order_by(TalkRevision.id)
    ).all()[-1]
    assert revision.summary == "Accepted from the speaker: Title, Affiliation"
    assert revision.organizer.email == "ada@example.org"
    assert revision.changes["title"] == ["", "Compilers"]
    history = organizer_client.get(f"/dashboard/talks/{talk.id}/history").get_data(as_text=True)
    assert "Accepted from the speaker" in history
    # Reviewed once: posting again changes nothing.
    organizer_client.post(f"/dashboard/proposals/{proposal.id}", data={"accept": ["abstract"]})
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).abstract == ""


def test_accepting_none_closes_the_proposal(organizer_client, client, talk, db):
    path = new_link(organizer_client, talk)
    speaker_post(client, path)
    proposal = db.session.scalars(select(SpeakerProposal)).one()
    versions_before = db.session.get(Talk, talk.id).version
    organizer_client.post(f"/dashboard/proposals/{proposal.id}", data={})
    db.session.expire_all()
    assert db.session.get(SpeakerProposal, proposal.id).reviewed_at is not None
    assert db.session.get(Talk, talk.id).version == versions_before
    page = organizer_client.get(f"/dashboard/talks/{talk.id}/speaker-links")
    assert "Waiting for review" not in page.get_data(as_text=True)


def test_speaker_photo_is_reencoded_and_offered_for_review(organizer_client, client, talk, db):
    path = new_link(organizer_client, talk)
    image = io.BytesIO()
    Image.new("RGB", (1200, 900), "teal").save(image, "JPEG")
    image.seek(0)
    speaker_post(client, path, photo=(image, "me.jpg"))
    proposal = db.session.scalars(select(SpeakerProposal)).one()
    name = proposal.proposed["photo"]
    assert re.fullmatch(r"[0-9a-f]{64}\.jpg", name)
    organizer_client.post(f"/dashboard/proposals/{proposal.id}", data={"accept": ["photo"]})
    db.session.expire_all()
    assert db.session.get(Talk, talk.id).speakers[0].photo == name
    served = client.get(f"/uploads/photos/{name}")
    content = served.data
    served.close()
    assert Image.open(io.BytesIO(content)).size == (800, 600)


def test_a_bad_photo_or_address_gets_a_message_beside_the_field(organizer_client, client, talk):
    path = new_link(organizer_client, talk)
    response = speaker_post(
        client, path, homepage="javascript:alert(1)", photo=(io.BytesIO(b"not an image"), "x.jpg")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a web address starting with http" in page
    response = speaker_post(client, path, photo=(io.BytesIO(b"not an image"), "x.jpg"))
    assert response.status_code == 422
    assert "not a readable JPEG, PNG or WebP image" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("close", "reopen"),
    [("delete", "restore"), ("cancel", "uncancel")],
    ids=["trash", "cancelled"],
)
def test_a_speaker_link_is_closed_while_its_talk_is_trashed_or_cancelled(
    organizer_client, client, talk, db, close, reopen
):
    talk.title = "Secret title of the talk"
    db.session.commit()
    path = new_link(organizer_client, talk)
    token = csrf_token(client.get(path).get_data(as_text=True))
    assert organizer_client.post(f"/dashboard/talks/{talk.id}/{close}").status_code in (200, 303)
    for response in (
        client.get(path),
        client.post(path, data={"title": "x", "csrf_token": token}),
        client.post(
            "/preview",
            data={"abstract": "x", "token": path.rsplit("/", 1)[1], "csrf_token": token},
        ),
    ):
        assert response.status_code == 410
        page = response.get_data(as_text=True)
        assert "This talk was withdrawn by the organizers" in page
        # Neither the talk's title nor its date is shown to the holder of the link.
        assert "Secret title" not in page
    assert db.session.query(SpeakerProposal).count() == 0
    assert organizer_client.post(f"/dashboard/talks/{talk.id}/{reopen}").status_code in (200, 303)
    page = client.get(path)
    assert page.status_code == 200
    assert "Secret title of the talk" in page.get_data(as_text=True)
    assert speaker_post(client, path).status_code == 200
