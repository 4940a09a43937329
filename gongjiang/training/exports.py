"""The payment batch as a bank-transfer workbook (代发工资/补贴 layout).

Sheet one holds one row per payment line: line number, payee name, full account number (as text, so
that no digit is lost to number formatting), bank, amount in yuan with two decimals, purpose and a
unique reference (batch reference and line number). Sheet two sums the batch. The column headings are
the bank's file format, not page text, so they are fixed Chinese strings.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from gongjiang.core import pii
from gongjiang.training.models import PaymentBatch, PaymentLine

TRANSFER_SHEET = "代发明细"
SUMMARY_SHEET = "汇总"
TRANSFER_COLUMNS = ("序号", "收款人户名", "收款账号", "开户行", "金额（元）", "用途", "业务参考号")


def yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def batch_workbook(batch: PaymentBatch) -> bytes:
    lines = (
        PaymentLine.objects.filter(batch=batch).select_related("claim__person", "claim__enrolment").order_by("line_no")
    )
    wb = Workbook()
    ws = wb.active
    ws.title = TRANSFER_SHEET
    ws.append(TRANSFER_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    accounts = [pii.decrypt(line.bank_account_enc_of_payee) for line in lines]
    for line, account in zip(lines, accounts, strict=True):
        ws.append(
            [
                line.line_no,
                line.payee,
                account,
                line.bank,
                yuan(line.amount_fen),
                batch.purpose,
                f"{batch.reference}-{line.line_no:05d}",
            ]
        )
        row = ws.max_row
        ws.cell(row=row, column=3).number_format = "@"
        ws.cell(row=row, column=5).number_format = "0.00"
    for column, width in zip("ABCDEFG", (6, 14, 24, 20, 12, 30, 28), strict=True):
        ws.column_dimensions[column].width = width
    summary = wb.create_sheet(SUMMARY_SHEET)
    for key, value in (
        ("批次号", batch.reference),
        ("地区", batch.region_code),
        ("笔数", batch.line_count),
        ("合计金额（元）", yuan(batch.total_fen)),
        ("用途", batch.purpose),
        ("审核人", batch.approved_by.username if batch.approved_by else ""),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
    ):
        summary.append([key, value])
    summary.cell(row=4, column=2).number_format = "0.00"
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 32
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
