"""Why an action was refused. The chat turns each reason into a sentence in the person's
language; storage only decides."""

from __future__ import annotations

import enum


class Refusal(enum.Enum):
    UNKNOWN_CODE = "unknown_code"
    REVOKED_CODE = "revoked_code"
    EXPIRED_CODE = "expired_code"
    USED_UP_CODE = "used_up_code"
    NO_SHARED_CODE = "no_shared_code"  # a flat-picking button pressed without a scanned code
    OUT_OF_SCOPE = "out_of_scope"  # a button names a place outside the scanned code's scope
    RETIRED_FLAT = "retired_flat"
    ALREADY_MEMBER = "already_member"
    ALREADY_CLAIMED = "already_claimed"
    NOT_COMMITTEE = "not_committee"
    ALREADY_DECIDED = "already_decided"
    ALREADY_UNLINKED = "already_unlinked"  # unlinking a resident twice
    UNKNOWN_ANNOUNCEMENT = "unknown_announcement"  # not there, or a draft no longer written
    ANNOUNCEMENT_SENT = "announcement_sent"  # cancelling once every message went out
    ANNOUNCEMENT_CANCELLED = "announcement_cancelled"  # cancelling twice
    UNKNOWN_SURVEY = "unknown_survey"
    SURVEY_CLOSED = "survey_closed"  # answering after the close
    SURVEY_NOT_DRAFT = "survey_not_draft"  # opening twice
    SURVEY_NOT_OPEN = "survey_not_open"  # closing what is not open
    SURVEY_NOT_CLOSED = "survey_not_closed"  # publishing before the close
    CLOSE_PASSED = "close_passed"  # extending a survey already closed
    REOPEN_NOT_CLOSED = "reopen_not_closed"  # reopening a survey that is not closed
    REOPEN_PUBLISHED = "reopen_published"  # reopening after the 公示
    REOPEN_NEEDS_DAYS = "reopen_needs_days"  # reopening without days, its former close passed
    NOT_ELIGIBLE = "not_eligible"  # outside the survey's scope or audience
    OWNERS_ONLY = "owners_only"  # a tenant or family member in a formal vote
    OWNER_UNCONFIRMED = "owner_unconfirmed"  # an owner the committee has not confirmed, in a vote
    FLAT_ANSWERED_BY_ANOTHER = "flat_answered_by_another"  # the flat's respondent is someone else
    DRIVE_NOT_DRAFT = "drive_not_draft"  # opening a contribution drive twice
    DRIVE_CLOSED = "drive_closed"  # pledging, changing or withdrawing after the close
    NOT_IN_DRIVE = "not_in_drive"  # the flat has no share in the drive
    NO_PLEDGE = "no_pledge"  # withdrawing what was never pledged
    NOT_PLEDGER = "not_pledger"  # a member whose role the drive does not let pledge for the flat
    NO_FLAT = "no_flat"  # filing a complaint without a confirmed flat
    UNKNOWN_COMPLAINT = "unknown_complaint"  # not there, or not the resident's own
    COMPLAINT_SENT = "complaint_sent"  # a button of the guided chat after the complaint was sent
    COMPLAINT_STATE = "complaint_state"  # a state change the complaint's state does not allow
    REOPEN_EXPIRED = "reopen_expired"  # reopening an unfinished complaint or too late
    RESULT_PUBLISHED = "result_published"  # recording a paper input after the 公示
    NOT_PUBLISHED = "not_published"  # objecting to a result not yet published
    OBJECTIONS_CLOSED = "objections_closed"  # objecting after the window
    ALREADY_OBJECTED = "already_objected"  # a second objection by the same resident
    RESULTS_HIDDEN = "results_hidden"  # a resident asking for results before the close
    BALLOT_CONFLICTS = "ballot_conflicts"  # publishing while a flat has two ballots
    PAPER_UNREVIEWED = "paper_unreviewed"  # publishing while a paper ballot awaits review
    NO_CONFLICT = "no_conflict"  # resolving a conflict already resolved
    PER_FLAT_ONLY = "per_flat_only"  # a paper ballot for a survey answered per person
    PAPER_EXISTS = "paper_exists"  # entering a second paper ballot for a flat
    PAPER_HANDED_IN = "paper_handed_in"  # changing a paper ballot after it was handed in
    PHOTO_NEEDED = "photo_needed"  # handing in a formal vote's paper ballot without a photo
    NOT_IN_REVIEW = "not_in_review"  # reviewing a paper ballot already reviewed
    SECOND_MEMBER = "second_member"  # the member who entered a paper ballot reviewing it
    NOT_OWNER = "not_owner"  # naming or withdrawing a proxy without owning the flat
    PROXY_EXPIRED = "proxy_expired"  # a proxy until a date already past
    PROXY_WITHDRAWN = "proxy_withdrawn"  # voting with a proxy withdrawn or no longer valid
    PROXY_VOTED = "proxy_voted"  # withdrawing a proxy after the proxy voted


class NotFound(LookupError):
    """Nothing matches a name someone typed (a compound, building, unit or flat). The name is
    kept out of the message, and so out of every log line and traceback that carries the
    exception; `told()` puts it back for the person who typed it."""

    def __init__(self, template: str, **names: object) -> None:
        super().__init__(template.format(**dict.fromkeys(names, "…")))
        self.template, self.names = template, names

    def told(self) -> str:
        return self.template.format(**self.names)


class Refused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason
