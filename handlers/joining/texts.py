"""How joining reads in the chat: the role question, where a link stands, and what the
committee is asked to decide. Rendering only; storage decides."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.joining.callbacks import DecideClaim, PickRole
from handlers.shared.texts import flat_label, role_label
from storage.joining.decisions import awaits_owner_confirmation
from storage.models import Household, Membership, MembershipStatus, Role, Verification


def role_question(household: Household, *, scanned: bool) -> tuple[str, InlineKeyboardMarkup]:
    """Owner, family member or tenant, for the flat whose code was `scanned` or that was
    picked with a shared code."""
    builder = InlineKeyboardBuilder()
    for role in Role:
        data = PickRole(household_id=household.id, role=role)
        builder.button(text=role_label(role), callback_data=data)
    builder.adjust(3)
    if scanned:
        text = _("This is the code of {flat}. How do you live there?")
    else:
        text = _("You chose {flat}. How do you live there?")
    return text.format(flat=flat_label(household)), builder.as_markup()


def standing_label(membership: Membership) -> str:
    """Where a link stands: an owner linked by a plain flat code is linked, but the
    committee has yet to confirm the ownership."""
    if awaits_owner_confirmation(membership):
        return _("ownership not yet confirmed by the committee")
    return {
        MembershipStatus.ACTIVE: _("confirmed"),
        MembershipStatus.PENDING: _("waiting for the committee"),
        MembershipStatus.REJECTED: _("not approved"),
    }[membership.status]


def welcome(membership: Membership) -> str:
    """What a resident reads once a flat code linked them."""
    lines = [
        _("Welcome! You are now linked to {flat} as its {role}.").format(
            flat=flat_label(membership.household), role=role_label(membership.role)
        )
    ]
    if awaits_owner_confirmation(membership):
        lines.append(
            _(
                "The committee will check that you own the flat: formal votes count the owners "
                "it has confirmed."
            )
        )
    lines.append(_("Send /help to see what you can do here."))
    return "\n".join(lines)


def claim_sent(membership: Membership) -> str:
    return _(
        "Thank you. Your request to join {flat} as its {role} has been sent to the "
        "community committee. You will get a message here when they have checked it."
    ).format(flat=flat_label(membership.household), role=role_label(membership.role))


def _name(membership: Membership) -> str:
    return membership.resident.full_name or _("A resident")


def request_text(membership: Membership, others: Sequence[Membership]) -> str:
    """A claim, or an owner to confirm, with what the committee weighs: the register's owner
    number and who else is linked to the flat."""
    flat = flat_label(membership.household)
    if awaits_owner_confirmation(membership):
        lines = [
            _("{name} joined {flat} with its flat code and says they are its owner.").format(
                name=_name(membership), flat=flat
            )
        ]
    else:
        lines = [
            _("{name} asks to join {flat} as its {role}.").format(
                name=_name(membership), flat=flat, role=role_label(membership.role)
            )
        ]
    if membership.household.owner_key:
        lines.append(
            _("Owner number in the register: {number}").format(
                number=membership.household.owner_key
            )
        )
    if others:
        linked = ", ".join(
            f"{_name(other)} ({role_label(other.role)}, {standing_label(other)})"
            for other in others
        )
        lines.append(_("Also linked to this flat: {people}").format(people=linked))
    else:
        lines.append(_("Nobody else is linked to this flat."))
    return "\n".join(lines)


def decision_keyboard(membership: Membership) -> InlineKeyboardMarkup:
    owner = awaits_owner_confirmation(membership)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Confirm the owner") if owner else _("Approve"),
        callback_data=DecideClaim(membership_id=membership.id, approve=True),
    )
    builder.button(
        text=_("Not the owner") if owner else _("Reject"),
        callback_data=DecideClaim(membership_id=membership.id, approve=False),
    )
    return builder.as_markup()


def _owner_check(membership: Membership) -> bool:
    """Whether the decision was on an ownership (a flat code's link), not on a claim."""
    return membership.verified_by is Verification.FLAT_CODE


def verdict(membership: Membership) -> str:
    """What the committee member reads under the request once decided."""
    rejected = membership.status is MembershipStatus.REJECTED
    if _owner_check(membership):
        return _("Not the owner: unlinked.") if rejected else _("Ownership confirmed.")
    return _("Rejected.") if rejected else _("Approved.")


def outcome(membership: Membership) -> str:
    """What the resident is told of the committee's decision."""
    flat, role = flat_label(membership.household), role_label(membership.role)
    rejected = membership.status is MembershipStatus.REJECTED
    if _owner_check(membership) and rejected:
        return _(
            "The committee could not confirm that you own {flat}, so it is no longer linked to "
            "you. If you live there as a family member or tenant, scan the flat's code again "
            "and choose that; if this is a mistake, please contact the community committee."
        ).format(flat=flat)
    if _owner_check(membership):
        return _("The committee has confirmed that you own {flat}.").format(flat=flat)
    if rejected:
        return _(
            "The committee could not confirm you as the {role} of {flat}. If this is a "
            "mistake, please contact the community committee."
        ).format(role=role, flat=flat)
    return _("The committee has confirmed you as the {role} of {flat}. Welcome!").format(
        role=role, flat=flat
    )
