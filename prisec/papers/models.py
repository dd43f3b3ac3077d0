"""Papers a reading group discusses, and which talks discuss them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..models import Talk

ET_AL = "et al."

# arXiv's short category names as a paper list shows them, with what they stand for.
CATEGORY_NAMES = {
    "AI": "Artificial Intelligence",
    "CL": "Computation and Language",
    "CR": "Cryptography and Security",
    "CV": "Computer Vision and Pattern Recognition",
    "CY": "Computers and Society",
    "DS": "Data Structures and Algorithms",
    "IT": "Information Theory",
    "IV": "Image and Video Processing",
    "LG": "Machine Learning",
    "ML": "Machine Learning (Statistics)",
    "NE": "Neural and Evolutionary Computing",
    "SD": "Sound",
    "ST": "Statistics Theory",
}


class Paper(db.Model):
    """A paper: title, authors, date, arXiv-style category, abstract and links."""

    __tablename__ = "paper"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    # Names in order; a last entry "et al." says the source listed only the first few.
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_on: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(16), default="", index=True)
    abstract: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    pdf_url: Mapped[str] = mapped_column(String(2000), default="")
    code_url: Mapped[str] = mapped_column(String(2000), default="")
    # "2101.01234" for a paper on arXiv, empty otherwise.
    arxiv_id: Mapped[str] = mapped_column(String(32), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    talk_links: Mapped[list[TalkPaper]] = relationship(
        back_populates="paper", cascade="all, delete-orphan"
    )

    @property
    def short_authors(self) -> str:
        """The first three authors, then 'et al.' when there are more."""
        names = [name for name in self.authors or [] if name != ET_AL]
        more = len(names) > 3 or ET_AL in (self.authors or [])
        return ", ".join(names[:3]) + (" et al." if more else "")

    @property
    def category_name(self) -> str:
        """'Machine Learning' for 'LG'; the code itself when unknown."""
        return CATEGORY_NAMES.get(self.category.split(".")[-1].upper(), self.category)

    def __repr__(self) -> str:
        return f"<Paper {self.id} {self.title[:30]!r}>"


class TalkPaper(db.Model):
    """A paper's place in the list of papers a talk discusses."""

    __tablename__ = "talk_paper"
    __table_args__ = (UniqueConstraint("talk_id", "paper_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talk.id", ondelete="CASCADE"), index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    talk: Mapped[Talk] = relationship()
    paper: Mapped[Paper] = relationship(back_populates="talk_links")


def papers_of(talk: Talk) -> list[Paper]:
    """The papers a talk discusses, in their listed order."""
    return list(
        db.session.scalars(
            select(Paper)
            .join(TalkPaper)
            .where(TalkPaper.talk_id == talk.id)
            .order_by(TalkPaper.position, Paper.id)
        )
    )
