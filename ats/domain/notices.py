"""Notices to a candidate about a background check: the pre-adverse notice and the adverse-action
notice, per jurisdiction. Pure: the texts are data (ats/policy/notices.json, loaded and checked
by ats.policy_loader.load_notices), each with its sources; this module fills them in.

What each jurisdiction requires, and where the data cites it:
- FCRA (US, US-CA, US-NY-NYC): before adverse action, a copy of the report and "A Summary of
  Your Rights Under the Fair Credit Reporting Act" (15 U.S.C. § 1681b(b)(3)(A)); the adverse
  notice names the agency, says it did not decide, and gives the free copy within 60 days and
  the right to dispute (§ 1681m(a)).
- California: the individualized assessment, the preliminary notice and at least five business
  days to respond (Cal. Gov. Code § 12952(c)).
- New York City: the Fair Chance Notice with the employer's Article 23-A analysis (NYC Admin.
  Code § 8-107(11-a); N.Y. Correction Law Art. 23-A, § 753 factors).

The copy of the report is a signed link, not an attachment: the report is criminal-offence data,
and a link keeps it encrypted in our store, expiring and audited when opened, instead of copied
into mailboxes and relays for ever; the outbox row then holds no document (DESIGN §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from ats.domain.errors import ValidationError

PRE_ADVERSE, ADVERSE = "pre_adverse", "adverse"
INCLUDES = frozenset({"report", "fcra_summary", "article_23a"})
# What a notice text may refer to; the loader refuses any other $name.
PLACEHOLDERS = frozenset(
    {
        "candidate_name",
        "position_title",
        "reference",
        "check_type",
        "respond_by",
        "business_days",
        "agency_name",
        "agency_address",
        "agency_phone",
    }
)
MAX_ASSESSMENT = 10_000


@dataclass(frozen=True)
class Notice:
    subject: str
    paragraphs: tuple[str, ...]
    includes: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class JurisdictionNotices:
    pre_adverse: Notice
    adverse: Notice
    assessment_required: bool


@dataclass(frozen=True)
class Agency:
    name: str
    address: str
    phone: str
    source: str


@dataclass(frozen=True)
class Summary:
    title: str
    url: str
    source: str
    text: str


@dataclass(frozen=True)
class Article23A:
    source: str
    factors: tuple[str, ...]


@dataclass(frozen=True)
class NoticeBook:
    version: str
    agency: Agency
    fcra_summary: Summary
    article_23a: Article23A
    jurisdictions: dict[str, JurisdictionNotices]

    def for_jurisdiction(self, code: str) -> JurisdictionNotices:
        found = self.jurisdictions.get(code)
        if found is None:  # the loader requires one per policy jurisdiction
            raise ValidationError(f"There is no notice text for jurisdiction {code}.", code="no_notice")
        return found


@dataclass(frozen=True)
class Facts:
    """What a notice is filled in with (personal data: it goes only into the sealed outbox)."""

    candidate_name: str
    position_title: str
    reference: str
    check_type: str
    respond_by: str = ""
    business_days: int = 0
    report_link: str | None = None  # None: no copy was kept (France)
    assessment: str | None = None


def clean_assessment(value: object, *, required: bool) -> str | None:
    """The recruiter's own analysis (New York City: Article 23-A), as given in a form."""
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise ValidationError("The analysis must be text.", field="assessment")
    if "\x00" in text or len(text) > MAX_ASSESSMENT:
        raise ValidationError(f"The analysis is text of at most {MAX_ASSESSMENT} characters.", field="assessment")
    if required and not text:
        raise ValidationError(
            "Write your Article 23-A analysis: the Fair Chance Notice must give it, factor by factor.",
            field="assessment",
        )
    return text or None


def render(book: NoticeBook, jurisdiction: str, kind: str, facts: Facts) -> tuple[str, str]:
    """Subject and plain-text body of the `kind` notice (PRE_ADVERSE or ADVERSE)."""
    notices = book.for_jurisdiction(jurisdiction)
    notice = notices.pre_adverse if kind == PRE_ADVERSE else notices.adverse
    values = {
        "candidate_name": facts.candidate_name,
        "position_title": facts.position_title,
        "reference": facts.reference,
        "check_type": facts.check_type,
        "respond_by": facts.respond_by,
        "business_days": str(facts.business_days),
        "agency_name": book.agency.name,
        "agency_address": book.agency.address,
        "agency_phone": book.agency.phone,
    }
    # safe_substitute: a "$" the candidate typed in their name is left as it is, never expanded.
    subject = " ".join(Template(notice.subject).safe_substitute(values).split())
    blocks = [Template(p).safe_substitute(values) for p in notice.paragraphs]
    for include in notice.includes:
        blocks.append(_include(book, include, facts))
    blocks.append("This notice is given under:\n" + "\n".join(f"- {s}" for s in notice.sources))
    return subject, "\n\n".join(blocks) + "\n"


def _include(book: NoticeBook, include: str, facts: Facts) -> str:
    if include == "report":
        if facts.report_link is None:
            return "A copy of the report: none was kept; the result recorded is that the document was seen."
        return (
            "A copy of the report: open or download it from this private link (it expires, and "
            f"every opening is recorded):\n{facts.report_link}"
        )
    if include == "fcra_summary":
        s = book.fcra_summary
        return f"{s.title}\n{s.text}\nThe full summary: {s.url}"
    if include == "article_23a":
        factors = "\n".join(f"  {f}" for f in book.article_23a.factors)
        return (
            "Article 23-A analysis (N.Y. Correction Law § 753). The factors considered:\n"
            f"{factors}\nOur analysis:\n{facts.assessment or ''}"
        )
    raise ValueError(f"unknown notice block {include!r}")  # the loader allows only INCLUDES


def placeholders(text: str) -> set[str]:
    """The $names a notice text uses (for the loader's check)."""
    return set(Template(text).get_identifiers())


def consent_request_text(*, candidate_name: str, position_title: str, reference: str, check_types: list[str], link: str) -> tuple[str, str]:
    """Subject and body of the mail that carries the consent link (DESIGN §10). The disclosure
    itself is on the linked page, on its own (FCRA 15 U.S.C. § 1681b(b)(2)(A): a document that
    consists solely of the disclosure), so this mail only points to it."""
    subject = f"Background check: your authorisation is requested ({reference})"
    body = (
        f"Dear {candidate_name},\n\n"
        f"Thank you for accepting our offer for \"{position_title}\" (reference {reference}). "
        f"Before any check is made we need your authorisation for these checks: {', '.join(check_types)}.\n\n"
        "Read what the checks involve, and authorise or decline them, on this private page:\n"
        f"{link}\n\n"
        "Nothing is checked unless you authorise it, and you can withdraw your authorisation later "
        "from the same page.\n"
    )
    return subject, body
