"""The committee's records as spreadsheets: a contribution drive's ledger and the complaints
list. Headers are bilingual ("楼栋 Building"), amounts are yuan with two decimals, times are
local. Every figure comes from the database as recorded, so the sheets can be checked by hand:
the shares add up to the residents' share exactly (largest-remainder rounding to the fen)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.documents.cells import append_row
from storage.complaints.queries import ComplaintRow
from storage.drives.ledger import Ledger
from surveys.drives.cost_sharing import Plan

PLANS = {
    Plan.EQUAL: "每户均摊 Equal per flat",
    Plan.AREA: "按面积 By area",
    Plan.FLOOR_PERCENT: "按楼层比例 Floor percentage",
    Plan.FLOOR_COEFFICIENT: "楼层系数×面积 Floor coefficient × area",
}


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    # openpyxl writes naive datetimes only: the compound's local time.
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def _table(
    book: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    sheet = book.create_sheet(title)
    append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(header) + 4)
    sheet.freeze_panes = "A2"


def _saved(book: Workbook) -> bytes:
    del book[book.sheetnames[0]]  # the empty default sheet
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ledger_xlsx(ledger: Ledger, zone: ZoneInfo) -> bytes:
    drive, progress = ledger.drive, ledger.progress
    book = Workbook()
    _table(
        book,
        "项目 Drive",
        ["项目 Item", "值 Value"],
        [
            ("编号 Number", drive.id),
            ("名称 Title", drive.title),
            ("总费用 Total cost (¥)", _yuan(drive.total_fen)),
            ("补贴 Subsidy (¥)", _yuan(drive.subsidy_fen)),
            ("居民分摊 Residents' share (¥)", _yuan(drive.residents_fen)),
            ("分摊方式 Plan", PLANS[drive.plan]),
            ("楼层系数 Floor factors", drive.floor_factors),
            ("已认捐 Pledged (¥)", _yuan(progress.pledged_fen)),
            ("已收款 Received (¥)", _yuan(progress.paid_fen)),
            ("认捐户数 Flats pledged", progress.flats_pledged),
            ("户数 Flats", progress.flats),
            ("状态 Status", drive.status.value),
        ],
    )
    _table(
        book,
        "分摊 Shares",
        [
            "楼栋 Building",
            "单元 Unit",
            "房号 Room",
            "楼层 Floor",
            "面积 Area (m²)",
            "系数 Factor",
            "应摊 Share (¥)",
            "认捐方式 Pledge",
            "付款途径 Method",
            "认捐金额 Pledged (¥)",
            "捐物 Goods",
            "投工 Hours",
            "已付 Paid (¥)",
            "未付 Outstanding (¥)",
            "认捐人 Pledged by (Telegram)",
        ],
        [
            (
                row.building,
                row.unit,
                row.room,
                row.floor,
                row.area,
                row.floor_factor,
                _yuan(row.share_fen),
                row.pledge.kind.value if row.pledge else None,
                row.pledge.method.value if row.pledge and row.pledge.method else None,
                _yuan(row.pledge.amount_fen) if row.pledge else None,
                row.pledge.goods if row.pledge else None,
                row.pledge.hours if row.pledge else None,
                _yuan(row.paid_fen),
                _yuan(row.outstanding_fen),
                row.pledger_telegram_id,
            )
            for row in ledger.rows
        ],
    )
    _table(
        book,
        "认捐记录 Pledge history",
        [
            "时间 Time",
            "户 Flat",
            "操作 Action",
            "方式 Kind",
            "金额 Amount (¥)",
            "途径 Method",
            "捐物 Goods",
            "投工 Hours",
        ],
        [
            (
                _local(event.at, zone),
                flat,
                event.action.value,
                event.kind.value,
                _yuan(event.amount_fen),
                event.method.value if event.method else None,
                event.goods,
                event.hours,
            )
            for event, flat in ledger.history
        ],
    )
    _table(
        book,
        "收款 Payments",
        ["时间 Time", "户 Flat", "金额 Amount (¥)", "记录人 Recorded by (Telegram)"],
        [
            (_local(payment.at, zone), flat, _yuan(payment.amount_fen), payment.recorded_by)
            for payment, flat in ledger.payments
        ],
    )
    return _saved(book)


def complaints_xlsx(rows: Sequence[ComplaintRow], zone: ZoneInfo) -> bytes:
    """Every filed complaint; the reporter is named (the committee always knows), with the
    anonymity they asked for toward other residents."""
    book = Workbook()
    _table(
        book,
        "投诉 Complaints",
        [
            "编号 Number",
            "状态 State",
            "类别 Category",
            "楼栋 Building",
            "单元 Unit",
            "描述 Description",
            "照片 Photos",
            "举报人 Reporter",
            "Telegram",
            "名字仅限委员会 Name kept within the committee",
            "指派 Assignee",
            "提交 Submitted",
            "完成 Finished",
            "评分 Rating",
        ],
        [
            (
                row.complaint.id,
                row.complaint.state.value,
                row.complaint.category.value if row.complaint.category else None,
                row.building or "公共区域 Common area",
                row.unit,
                row.complaint.description,
                row.photos,
                row.reporter_name,
                row.reporter_telegram_id,
                "是 yes" if row.complaint.anonymous else "否 no",
                row.complaint.assignee_id,
                _local(row.complaint.submitted_at, zone),
                _local(row.complaint.finished_at, zone),
                row.complaint.rating,
            )
            for row in rows
        ],
    )
    return _saved(book)
