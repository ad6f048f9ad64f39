"""The PDF plate for publication, with reportlab (see docs/decisions.md): a first page with the
board's title and its timeline (the periods as bands, each group's items as spans), then one
page per item group (each lane in order, then the undated tray) with the crops, their captions
("Mogao cave 220, south wall, Early Tang (618–704)"), notes, and the permalink.

Built from a record (a board's, or a snapshot's frozen data); crops are read from the murals'
pyramids; a crop whose mural is gone is drawn as a frozen placeholder with its note.
"""

from __future__ import annotations

import io

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from dunhuang_search.catalogue.iiif import IIIFError, pyramid_for
from dunhuang_search.catalogue.models import Mural

from .items import dating_text
from .timeline import END_YEAR, START_YEAR, bands, fraction, span_of

PAGE = landscape(A4)
MARGIN = 36
CJK = "STSong-Light"  # an Adobe CID font every PDF reader supplies: no font file to ship
CROP_PIXELS = 480
PER_PAGE = 6  # 3 x 2 crops on a group's page
BAND_COLOURS = [HexColor("#e9dcc3"), HexColor("#d9c4a0")]
SPAN = HexColor("#8c2f1d")
MUTED = Color(0.35, 0.33, 0.3)


def _fonts() -> None:
    if CJK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def item_groups(record: dict) -> list[tuple[str, list[dict]]]:
    """(name, items) per lane in order (lanes without items left out), then the tray."""
    groups = [(lane, [i for i in record["items"] if i["lane"] == lane]) for lane in record["lanes"]]
    tray = [i for i in record["items"] if i["lane"] is None]
    return [(name, items) for name, items in groups if items] + (
        [("Undated tray", tray)] if tray else []
    )


def _crop(item: dict) -> ImageReader | None:
    if item["crop"] is None or item["mural_id"] is None:
        return None
    mural = Mural.objects.filter(pk=item["mural_id"]).first()
    if mural is None:
        return None
    x, y, w, h = item["region"]
    scale = min(1.0, CROP_PIXELS / max(w, h))
    try:
        region = pyramid_for(mural).read_region(x, y, w, h, max(1, round(w * scale)),
                                                max(1, round(h * scale)))  # fmt: skip
    except (IIIFError, ValueError):
        return None
    if region.bands > 3:
        region = region.extract_band(0, n=3)
    return ImageReader(io.BytesIO(region.write_to_buffer(".jpg", Q=88)))


def _timeline(pdf: Canvas, groups: list[tuple[str, list[dict]]], top: float) -> None:
    left, width = MARGIN + 90, PAGE[0] - 2 * MARGIN - 90
    band_h = 34
    for index, band in enumerate(bands()):
        x, y = left + band.left * width, top - band_h * (band.row + 1)
        pdf.setFillColor(BAND_COLOURS[index % 2])
        pdf.rect(x, y, band.width * width, band_h - 2, stroke=1, fill=1)
        pdf.setFillColor(MUTED)
        pdf.setFont("Helvetica", 6.5)
        pdf.drawString(x + 2, y + band_h - 11, band.name[:18])
        pdf.setFont(CJK, 7)
        pdf.drawString(x + 2, y + band_h - 21, band.name_zh)
        pdf.setFont("Helvetica", 5.5)
        pdf.drawString(x + 2, y + 3, f"{band.start_year}–{band.end_year}")
    axis = top - 2 * band_h - 8
    pdf.setFont("Helvetica", 7)
    for year in range(400, END_YEAR + 1, 100):
        pdf.drawCentredString(left + fraction(year) * width, axis, str(year))
    pdf.drawString(left - 90, axis, f"{START_YEAR}–{END_YEAR} CE")
    row_top = axis - 16
    for name, items in groups:
        pdf.setFillColor(MUTED)
        pdf.setFont("Helvetica", 8)
        pdf.drawString(MARGIN, row_top - 8, name[:22])
        pdf.setFillColor(SPAN)
        for i, item in enumerate(items):
            span = span_of(item["dating"])
            if span:
                pdf.rect(left + span[0] * width, row_top - 10 + (i % 3) * 3, span[1] * width,
                         2.5, stroke=0, fill=1)  # fmt: skip
        row_top -= 18


def _item_cell(pdf: Canvas, item: dict, x: float, y: float, w: float, h: float) -> None:
    """One crop fitted into the top of (x, y, w, h) with its caption and note below."""
    text_h = 46
    crop = _crop(item)
    box_h = h - text_h
    if crop is not None:
        cw, ch = crop.getSize()
        scale = min(w / cw, box_h / ch)
        pdf.drawImage(crop, x + (w - cw * scale) / 2, y + text_h + (box_h - ch * scale),
                      cw * scale, ch * scale)  # fmt: skip
    else:
        pdf.setFillColor(HexColor("#eeeeee"))
        pdf.rect(x, y + text_h, w, box_h, stroke=0, fill=1)
        pdf.setFillColor(MUTED)
        pdf.setFont("Helvetica-Oblique", 8)
        pdf.drawCentredString(x + w / 2, y + text_h + box_h / 2, "frozen crop: source gone")
    pdf.setFillColor(HexColor("#000000"))
    pdf.setFont("Helvetica-Bold", 8)
    pdf.drawString(x, y + text_h - 11, item["caption"][:90])
    pdf.setFont("Helvetica", 7)
    place = item["frozen"]
    pdf.drawString(
        x,
        y + text_h - 21,
        f"Dating: {dating_text(item['dating'])}"
        f"{' — ' + item['dating']['reason'][:60] if item['dating']['reason'] else ''}",
    )
    if place.get("category"):
        pdf.drawString(x, y + text_h - 30, f"{place['category']}, region "
                       f"{','.join(str(v) for v in item['region'])}")  # fmt: skip
    pdf.setFont("Helvetica-Oblique", 7)
    pdf.drawString(x, y + text_h - 40, item["note"].replace("\n", " ")[:100])


def _footer(pdf: Canvas, permalink: str, page: int) -> None:
    pdf.setFont("Helvetica", 7)
    pdf.setFillColor(MUTED)
    pdf.drawString(MARGIN, MARGIN / 2, f"Permalink: {permalink}")
    pdf.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, str(page))


def render_plate(record: dict, permalink: str) -> bytes:
    """The plate as PDF bytes: the timeline page, then a page per item group (a group of more
    than six items continues on further pages)."""
    _fonts()
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=PAGE, pageCompression=1)
    pdf.setTitle(record["title"])
    pdf.setCreator("Dunhuang Search (reportlab)")
    groups = item_groups(record)
    top = PAGE[1] - MARGIN
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(MARGIN, top - 12, record["title"][:90])
    pdf.setFont("Helvetica", 9)
    pdf.drawString(MARGIN, top - 28, (record["description"] or "").replace("\n", " ")[:160])
    _timeline(pdf, groups, top - 50)
    _footer(pdf, permalink, 1)
    page = 1
    cell_w = (PAGE[0] - 2 * MARGIN - 2 * 18) / 3
    cell_h = (PAGE[1] - 2 * MARGIN - 30 - 18) / 2
    for name, items in groups:
        for start in range(0, len(items), PER_PAGE):
            pdf.showPage()
            page += 1
            pdf.setFont("Helvetica-Bold", 12)
            pdf.drawString(MARGIN, PAGE[1] - MARGIN - 10, name)
            for i, item in enumerate(items[start : start + PER_PAGE]):
                col, row = i % 3, i // 3
                x = MARGIN + col * (cell_w + 18)
                y = PAGE[1] - MARGIN - 30 - (row + 1) * cell_h - row * 18
                _item_cell(pdf, item, x, y, cell_w, cell_h)
            _footer(pdf, permalink, page)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
