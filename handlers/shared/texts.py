"""Sentences shared by several handlers: places, roles and refusals, in the reader's language."""

from __future__ import annotations

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from storage.models import Household, Role
from storage.refusals import Refusal


def building_label(name: str) -> str:
    # Registers say "3" or "3栋"; add the word only where the register left it out.
    return _("Building {name}").format(name=name) if name.isdigit() else name


def unit_label(name: str) -> str:
    return _("Unit {name}").format(name=name) if name.isdigit() else name


def room_label(room: str) -> str:
    return _("Room {room}").format(room=room) if room.isdigit() else room


def flat_label(household: Household) -> str:
    unit = household.unit
    return " ".join(
        (building_label(unit.building.name), unit_label(unit.name), room_label(household.room))
    )


def role_label(role: Role) -> str:
    return {
        Role.OWNER: _("owner"),
        Role.FAMILY: _("family member"),
        Role.TENANT: _("tenant"),
    }[role]


def refusal_text(reason: Refusal) -> str:
    return {
        Refusal.UNKNOWN_CODE: _(
            "This QR code is not valid. Please scan the code posted in your stairwell again, "
            "or ask the community committee for a new one."
        ),
        Refusal.REVOKED_CODE: _(
            "This QR code has been withdrawn by the committee. Please ask them for a new one."
        ),
        Refusal.EXPIRED_CODE: _(
            "This QR code has expired. Please ask the community committee for a new one."
        ),
        Refusal.USED_UP_CODE: _(
            "This flat's QR code has already been used as many times as allowed. "
            "Please ask the community committee for a new one."
        ),
        Refusal.NO_SHARED_CODE: _(
            "This button is no longer valid. Please scan the QR code in your stairwell again."
        ),
        Refusal.OUT_OF_SCOPE: _(
            "This button is not valid for the code you scanned. "
            "Please scan the QR code in your stairwell again."
        ),
        Refusal.RETIRED_FLAT: _(
            "This flat is no longer in the compound's register. "
            "Please contact the community committee."
        ),
        Refusal.ALREADY_MEMBER: _("You are already linked to this flat."),
        Refusal.ALREADY_CLAIMED: _(
            "You have already asked to join this flat; the committee will reply soon."
        ),
        Refusal.NOT_COMMITTEE: _("Only the compound's committee members can do this."),
        Refusal.ALREADY_DECIDED: _("Another committee member has already decided this request."),
        Refusal.ALREADY_UNLINKED: _("This resident is no longer linked to this flat."),
        Refusal.UNKNOWN_ANNOUNCEMENT: _(
            "There is no such announcement, or it is no longer being written. "
            "Send /announce to start one."
        ),
        Refusal.ANNOUNCEMENT_SENT: _(
            "This announcement has already been sent to everyone; it can no longer be cancelled."
        ),
        Refusal.ANNOUNCEMENT_CANCELLED: _("This announcement has already been cancelled."),
        Refusal.UNKNOWN_SURVEY: _("This survey does not exist."),
        Refusal.SURVEY_CLOSED: _(
            "This survey is closed; answers can no longer be given or changed."
        ),
        Refusal.SURVEY_NOT_DRAFT: _("This survey has already been opened."),
        Refusal.SURVEY_NOT_OPEN: _("This survey is not open."),
        Refusal.SURVEY_NOT_CLOSED: _("Close the survey before publishing its result."),
        Refusal.CLOSE_PASSED: _(
            "This survey is already closed, so its close can no longer be moved. If it was "
            "closed by mistake and its result is not published yet, /reopen opens it again."
        ),
        Refusal.REOPEN_NOT_CLOSED: _(
            "Only a closed survey can be reopened; this one is not closed."
        ),
        Refusal.REOPEN_PUBLISHED: _(
            "The result of this survey is already published, so it can no longer be reopened."
        ),
        Refusal.REOPEN_NEEDS_DAYS: _(
            "The survey's former close time has passed: say for how many days it opens again, "
            "for example /reopen 3 7 for survey #3 and 7 days."
        ),
        Refusal.NOT_ELIGIBLE: _("This survey is not for your flat, so you cannot answer it."),
        Refusal.OWNERS_ONLY: _(
            "Only the owners of the flats take part in this formal vote; family members and "
            "tenants cannot vote."
        ),
        Refusal.OWNER_UNCONFIRMED: _(
            "Your ownership has not been confirmed by the committee yet, so your vote cannot "
            "be counted; once it is confirmed you can vote."
        ),
        Refusal.FLAT_ANSWERED_BY_ANOTHER: _(
            "Another member of your flat answers for it; one answer is counted per flat."
        ),
        Refusal.DRIVE_NOT_DRAFT: _("This contribution drive has already been opened."),
        Refusal.DRIVE_CLOSED: _(
            "This contribution drive is closed; pledges can no longer be made or changed."
        ),
        Refusal.NOT_IN_DRIVE: _("This contribution drive does not include your flat."),
        Refusal.NO_PLEDGE: _("Your flat has no pledge to withdraw."),
        Refusal.NOT_PLEDGER: _(
            "In this drive only the flat's owners (or the members the committee named) pledge "
            "for the flat. Please ask an owner of your flat to pledge."
        ),
        Refusal.NO_FLAT: _("You are not linked to a flat yet. Scan the QR code in your stairwell."),
        Refusal.UNKNOWN_COMPLAINT: _("This complaint is not one of yours."),
        Refusal.COMPLAINT_SENT: _("This complaint has already been sent."),
        Refusal.COMPLAINT_STATE: _("The complaint's state does not allow this now."),
        Refusal.REOPEN_EXPIRED: _(
            "This complaint can no longer be reopened. Please file a new one with /complaint."
        ),
        Refusal.RESULT_PUBLISHED: _(
            "The result of this vote is already published; inputs can no longer be recorded."
        ),
        Refusal.NOT_PUBLISHED: _("The result of this survey has not been published yet."),
        Refusal.OBJECTIONS_CLOSED: _(
            "The period for objections to this result has ended; objections are no longer accepted."
        ),
        Refusal.RESULTS_HIDDEN: _(
            "The results of this survey are shown when it closes, so that nobody is swayed "
            "by them while answering."
        ),
        Refusal.ALREADY_OBJECTED: _(
            "You have already filed an objection to this result; the committee has it."
        ),
        Refusal.BALLOT_CONFLICTS: _(
            "Some flats have two ballots (for example one in chat and one on paper), and only "
            "one may count: keep one for each with /conflicts, then publish."
        ),
        Refusal.PAPER_UNREVIEWED: _(
            "Paper ballots are still waiting for a second committee member to confirm or "
            "reject them; they are listed by /review. Publish once they are reviewed."
        ),
        Refusal.NO_CONFLICT: _("This flat's ballots are no longer in conflict."),
        Refusal.PER_FLAT_ONLY: _(
            "This survey is answered per person: paper ballots are entered for flats only."
        ),
        Refusal.PAPER_EXISTS: _(
            "A paper ballot for this flat is already entered; another committee member is "
            "entering it, or it is counted or waiting for review."
        ),
        Refusal.PAPER_HANDED_IN: _(
            "This paper ballot has been handed in and can no longer be changed here."
        ),
        Refusal.PHOTO_NEEDED: _(
            "A formal vote's paper ballot needs a photo of the signed sheet: send the photo."
        ),
        Refusal.NOT_IN_REVIEW: _("This paper ballot has already been confirmed or rejected."),
        Refusal.SECOND_MEMBER: _(
            "You entered this paper ballot: a second committee member must confirm it."
        ),
        Refusal.NOT_OWNER: _("Only an owner of the flat can name or withdraw its proxy."),
        Refusal.PROXY_EXPIRED: _("That date has passed: name a date still to come."),
        Refusal.PROXY_WITHDRAWN: _("This proxy was withdrawn or no longer holds for this vote."),
        Refusal.PROXY_VOTED: _(
            "The proxy has already voted with it, so it can no longer be withdrawn."
        ),
    }[reason]


def unreadable(message: Message) -> str | None:
    """Why the bot cannot take a message that is neither text nor a photo (a voice message,
    a sticker, a file, a location…); None for text and photos."""
    if message.text is not None or message.photo:
        return None
    if message.voice or message.audio or message.video_note:
        return _("Sorry, I cannot listen to voice messages.")
    if message.sticker:
        return _("Thank you for the sticker, but I cannot read stickers.")
    if message.document:
        return _("Sorry, I cannot open files.")
    if message.location or message.venue:
        return _("Sorry, I do not use locations.")
    return _("Sorry, I can only read typed text and the buttons under my messages.")


def explained(message: Message, expected: str) -> str:
    """`expected` (what the step wants), after why the message was not it, if it says."""
    reason = unreadable(message)
    if reason is None:
        return expected
    # Chinese sentences join without a space
    return _("{sentence} {next_sentence}").format(sentence=reason, next_sentence=expected)
