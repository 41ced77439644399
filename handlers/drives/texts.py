"""How a contribution drive reads in the chat: a flat's share and why, its pledge, and the
progress bar everyone in the scope sees."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.callbacks import DrivePress
from storage.drives.ledger import DriveProgress
from storage.drives.models import Drive, DriveShare, PayMethod, Pledge, PledgeKind
from storage.drives.queries import FlatShare, is_open, linked_share, plan_basis
from surveys.drives.cost_sharing import Plan
from surveys.drives.money import MoneyError, MoneyProblem, yuan

BAR_WIDTH = 10


def money(fen: int) -> str:
    return _("¥{amount}").format(amount=yuan(fen))


def amount_refused(error: MoneyError) -> str:
    """What is said of a typed amount that is not one: why, then how to write it."""
    why = {
        MoneyProblem.UNREADABLE: _("I could not read that as an amount of yuan."),
        MoneyProblem.AMBIGUOUS: _(
            "That amount can be read two ways: use commas only between groups of three digits, "
            "and write 6万5 as 6.5万 or 65000."
        ),
        MoneyProblem.NOT_POSITIVE: _("The amount must be more than zero."),
        MoneyProblem.TOO_LARGE: _("That amount is too large to be a pledge."),
        MoneyProblem.TOO_PRECISE: _("An amount has at most two decimals (fen)."),
    }[error.problem]
    return why + " " + _("Please send an amount in yuan, for example 3000, 2580.50 or 1.5万.")


def bar(part: int, whole: int) -> str:
    """▓▓▓▓░░░░░░ 40%: capped at a full bar, the percentage is not."""
    percent = 100 * part // whole if whole else 0
    filled = min(BAR_WIDTH, BAR_WIDTH * part // whole) if whole else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled) + f" {percent}%"


def progress_text(progress: DriveProgress) -> str:
    return "\n".join(
        [
            _("Pledged {pledged} of {target}:").format(
                pledged=money(progress.pledged_fen), target=money(progress.target_fen)
            ),
            bar(progress.pledged_fen, progress.target_fen),
            _("Received {paid}; {pledged} of {flats} flats have pledged.").format(
                paid=money(progress.paid_fen),
                pledged=progress.flats_pledged,
                flats=progress.flats,
            ),
        ]
    )


def method_label(method: PayMethod) -> str:
    return {
        PayMethod.DIRECT: _("direct payment"),
        PayMethod.MAINTENANCE_FUND: _("housing maintenance fund"),
        PayMethod.PROVIDENT_FUND: _("housing provident fund"),
        PayMethod.COMMON_INCOME: _("giving up common income"),
    }[method]


def pledge_text(pledge: Pledge) -> str:
    match pledge.kind:
        case PledgeKind.MONEY:
            assert pledge.method is not None
            return _("{amount} by {method}").format(
                amount=money(pledge.amount_fen), method=method_label(pledge.method)
            )
        case PledgeKind.GOODS:
            return _("goods: {goods}").format(goods=pledge.goods)
        case PledgeKind.LABOUR:
            return _("{hours} hours of work").format(hours=pledge.hours)


async def share_text(session: AsyncSession, drive: Drive, share: DriveShare) -> str:
    """The flat's suggested share and why: the plan, the flat's floor and area, the factor."""
    basis = await plan_basis(session, drive, share.floor)
    why = {
        Plan.EQUAL: _("Shared equally among the {flats} flats."),
        Plan.AREA: _("Shared by area: your {area} m² of {total_area} m² in all."),
        Plan.FLOOR_PERCENT: _(
            "Shared by floor: floor {floor} bears {factor}% of the residents' share, "
            "divided among its {on_floor} flats."
        ),
        Plan.FLOOR_COEFFICIENT: _(
            "Shared by floor coefficient × area: floor {floor}, coefficient {factor}, {area} m²."
        ),
    }[drive.plan]
    return "\n".join(
        [
            _("Residents' share: {residents} (cost {total} less subsidy {subsidy}).").format(
                residents=money(drive.residents_fen),
                total=money(drive.total_fen),
                subsidy=money(drive.subsidy_fen),
            ),
            _("Your suggested share: {share}").format(share=money(share.amount_fen)),
            why.format(
                flats=basis.flats,
                area=share.area,
                total_area=basis.total_area,
                floor=share.floor,
                factor=share.floor_factor,
                on_floor=basis.flats_on_floor,
            ),
            _("Shares are exact to the fen and add up to the residents' share."),
        ]
    )


async def drive_card(
    session: AsyncSession, found: FlatShare, flat: str, progress: DriveProgress
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What a resident sees of a drive for one flat, with the pledge buttons while it is open."""
    drive = found.drive
    lines = [
        _("Contribution drive #{number}: {title}").format(number=drive.id, title=drive.title),
        _("For {flat}.").format(flat=flat),
        await share_text(session, drive, found.share),
        "",
    ]
    if found.pledge is not None:
        lines.append(_("Your pledge: {pledge}").format(pledge=pledge_text(found.pledge)))
    else:
        lines.append(_("You have not pledged yet."))
    lines += ["", progress_text(progress)]
    if not is_open(drive):
        lines.append(_("The drive is closed; pledges can no longer change."))
        return "\n".join(lines), None
    if not found.may_pledge:
        lines.append(_("In this drive the flat's owners pledge for it; you can follow it here."))
        return "\n".join(lines), None
    builder = InlineKeyboardBuilder()

    def press(text: str, action: str) -> None:
        data = DrivePress(drive_id=drive.id, household_id=found.flat.id, action=action)
        builder.button(text=text, callback_data=data)

    press(_("Pledge money"), "money")
    press(_("Pledge goods"), "goods")
    press(_("Pledge labour"), "labour")
    if found.pledge is not None:
        press(_("Withdraw my pledge"), "withdraw")
    builder.adjust(3, 1)
    return "\n".join(lines), builder.as_markup()


async def linked_share_notice(
    session: AsyncSession, survey_id: int, household_id: int | None
) -> str | None:
    """A voter's share in the drive linked to the vote, to read before voting."""
    if household_id is None:
        return None
    linked = await linked_share(session, survey_id, household_id)
    if linked is None:
        return None
    drive, share = linked
    heading = _("If this passes, your flat's share of “{title}”:").format(title=drive.title)
    return heading + "\n" + await share_text(session, drive, share)
