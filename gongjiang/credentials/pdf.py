"""A printable certificate (A4 landscape, Chinese) with a QR code carrying a signed verification URL.

The text is set in the CID font STSong-Light, which every PDF reader provides (Adobe's Chinese font
pack), so no font file is shipped or embedded. The QR code is drawn as vector squares from the
``qrcode`` package's module matrix, so it prints sharp at any size. The holder's ID number is printed
masked: the PDF is a proof of the certificate, not a copy of the person's record.
"""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from gongjiang.core import pii
from gongjiang.credentials.models import Certificate

FONT = "STSong-Light"
_RED = HexColor("#9b1c1c")


@lru_cache(maxsize=1)
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def qr_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def _draw_qr(c: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(data)
    n = len(matrix)
    quiet = 4  # the quiet zone the standard asks for, in modules
    cell = size / (n + 2 * quiet)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(black)
    for row, line in enumerate(matrix):
        col = 0
        while col < n:  # one rectangle per horizontal run of dark modules
            if not line[col]:
                col += 1
                continue
            start = col
            while col < n and line[col]:
                col += 1
            c.rect(
                x + (quiet + start) * cell,
                y + size - (quiet + row + 1) * cell,
                (col - start) * cell,
                cell,
                stroke=0,
                fill=1,
            )


def certificate_pdf(cert: Certificate, *, verify_url: str, key_id: str) -> bytes:
    """The certificate as PDF bytes; ``verify_url`` (with its signed token) goes into the QR code."""
    font = _font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    c.setTitle(f"职业技能等级证书 {cert.number}")
    c.setAuthor("工匠")
    c.setSubject("职业技能等级证书")

    # Frame
    c.setStrokeColor(_RED)
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setLineWidth(0.8)
    c.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    c.setFillColor(_RED)
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 45 * mm, "职业技能等级证书")
    c.setFont(font, 12)
    c.setFillColor(black)
    c.drawCentredString(width / 2, height - 54 * mm, "Vocational Skill Level Certificate")

    person = cert.person
    rows = [
        ("姓　　名", person.name),
        ("证件号码", pii.mask_id_number(person.id_number)),
        ("职业（工种）", f"{cert.occupation.name}（{cert.occupation.code}）"),
        ("技能等级", cert.level.name),
        ("证书编号", cert.number),
        ("发证日期", f"{cert.issue_date.year}年{cert.issue_date.month}月{cert.issue_date.day}日"),
        ("评价机构", cert.issuer.name if cert.issuer is not None else "—"),
    ]
    y = height - 78 * mm
    for label, value in rows:
        c.setFont(font, 15)
        c.drawString(40 * mm, y, label)
        c.setFont(font, 15)
        c.drawString(80 * mm, y, str(value))
        c.setStrokeColor(HexColor("#cccccc"))
        c.setLineWidth(0.4)
        c.line(80 * mm, y - 2.5 * mm, 185 * mm, y - 2.5 * mm)
        y -= 13 * mm

    qr_size = 62 * mm
    qr_x, qr_y = width - 40 * mm - qr_size, 42 * mm
    _draw_qr(c, verify_url, qr_x, qr_y, qr_size)
    c.linkURL(verify_url, (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size), relative=0)  # clickable on screen
    c.setFillColor(black)
    c.setFont(font, 11)
    c.drawCentredString(qr_x + qr_size / 2, qr_y - 7 * mm, "扫码核验证书真伪与当前状态")

    c.setFont(font, 8)
    c.setFillColor(HexColor("#555555"))
    c.drawString(
        22 * mm,
        20 * mm,
        f"本证书的电子凭证由平台以 Ed25519 密钥 {key_id} 签名。扫描二维码或访问核验页面，"
        "输入证书编号和持证人姓名，可查询证书是否有效。",
    )
    c.showPage()
    c.save()
    return buffer.getvalue()
