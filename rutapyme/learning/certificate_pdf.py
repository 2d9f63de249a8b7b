"""A course certificate as a one-page PDF, drawn from the certificate row on each download.

Choices (ADR 0008):

- fpdf2 with the PDF core font Helvetica (and Courier for the code): nothing to embed, no font
  files to ship, a certificate weighs a few kilobytes. Core fonts only cover latin-1, which has
  every Spanish and Portuguese letter (á é ñ ü ç ã õ…). Anything else is brought into latin-1
  before drawing (`_latin1`): typographic quotes and dashes become their plain forms, letters
  with marks latin-1 lacks lose the mark ("Nguyễn" → "Nguyen", "Łukasz" → "Lukasz") and what
  is left (other scripts, emoji) becomes "?". The PDF never fails because of a name.
- The QR code is segno's matrix drawn as filled rectangles, one per horizontal run of dark
  modules (`qr_rectangles`), with the four-module quiet zone kept white around it: vector, so
  it prints sharp at any size, and a few hundred rectangles instead of one per module. Always a
  full QR code, never a Micro QR that phone cameras do not read.
- Names and titles come from people: every text block shrinks to fit its box and wraps; at
  the smallest size a block that still does not fit is cut with "...". Automatic page breaks
  are off, so nothing can spill onto a second page either.
- The same inputs give the same bytes: the creation date is noon UTC of `issued_on` (the same
  calendar day in every time zone a viewer may show it in) and fpdf2 derives the file
  identifier from the content and that date.
"""

import datetime
import re
import unicodedata
from decimal import Decimal

import segno
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)

# Typographic characters outside latin-1 and the plain form drawn instead.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’
        "\u201a": "'",  # ‚
        "\u201b": "'",  # ‛
        "\u2032": "'",  # ′
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u201f": '"',  # ‟
        "\u2033": '"',  # ″
        "\u2039": "<",  # ‹
        "\u203a": ">",  # ›
        "\u2010": "-",  # ‐ hyphen
        "\u2011": "-",  # ‑ non-breaking hyphen
        "\u2012": "-",  # ‒ figure dash
        "\u2013": "-",  # – en dash
        "\u2014": "-",  # — em dash
        "\u2015": "-",  # ― horizontal bar
        "\u2212": "-",  # − minus
        "\u2026": "...",  # …
        "\u2022": "-",  # •
        "\u20ac": "EUR",  # €
        # Letters NFKD does not decompose.
        "\u0141": "L",  # Ł
        "\u0142": "l",  # ł
        "\u0110": "D",  # Đ
        "\u0111": "d",  # đ
        "\u0131": "i",  # ı
        "\u0152": "OE",  # Œ
        "\u0153": "oe",  # œ
        "\u0126": "H",  # Ħ
        "\u0127": "h",  # ħ
    }
)
_SPACES = re.compile(r"\s+")
NBSP = "\u00a0"

# Page geometry, in millimetres (A4 landscape: 297 × 210).
PAGE_W, PAGE_H = 297, 210
LEFT, WIDTH = 30, 237  # the text column, inside the frame
QR_BOX = 40  # side of the QR code including its quiet zone
QR_BORDER = 4  # quiet zone, in modules (ISO/IEC 18004)

# Longer texts are cut (at a space, with "...") so the whole statement, date included, always
# fits; the model's own limits are lower (150, 250, 200).
NAME_LIMIT, FIRM_LIMIT, COURSE_LIMIT = 200, 300, 400

BRAND = (11, 110, 79)  # --brand of site.css
INK = (29, 35, 48)  # --ink
MUTED = (91, 100, 114)  # --muted


def certificate_pdf(
    *,
    person_name: str,
    firm_name: str,
    course_title: str,
    hours: int | Decimal,
    issued_on: datetime.date,
    code: str,
    verify_url: str,
    issuer: str = "Ruta Pyme",
    compress: bool = True,
) -> bytes:
    """The certificate as PDF bytes. `issued_on` is the local date (`timezone.localdate`)."""
    if isinstance(issued_on, datetime.datetime):
        raise TypeError("issued_on must be a date: pass timezone.localdate(issued_at)")
    date_text = spanish_date(issued_on)

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT, 20, PAGE_W - LEFT - WIDTH)
    pdf.set_creation_date(
        datetime.datetime.combine(issued_on, datetime.time(12), tzinfo=datetime.UTC)
    )
    pdf.set_title(f"Certificado de aprobación: {course_title}")
    pdf.set_subject(f"{person_name}, {firm_name}")
    pdf.set_author(issuer)
    pdf.set_creator(issuer)
    pdf.set_keywords(code)
    pdf.set_lang("es")
    pdf.add_page()

    # Frame.
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, PAGE_W - 20, PAGE_H - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13.5, 13.5, PAGE_W - 27, PAGE_H - 27)

    # Heading: issuer, title, rule.
    pdf.set_text_color(*BRAND)
    _block(pdf, _latin1(issuer).upper(), top=22, height=7, style="B", sizes=(12, 10, 8))
    pdf.set_text_color(*INK)
    _block(pdf, "Certificado de aprobación", top=31, height=14, style="B", sizes=(30,))
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.6)
    pdf.line(PAGE_W / 2 - 30, 49, PAGE_W / 2 + 30, 49)

    # Statement, centred vertically between the rule and the footer.
    intro = "Se certifica que"
    name = _cap(_latin1(person_name), NAME_LIMIT)
    firm, course = _cap(_latin1(firm_name), FIRM_LIMIT), _cap(_latin1(course_title), COURSE_LIMIT)
    # No-break spaces keep the hours and the date each on one line (drawn as plain spaces).
    body = (
        f"de la empresa {firm}, aprobó el curso «{course}» "
        f"({_unbroken(hours_text(hours))}) el {_unbroken(date_text)}."
    )
    top, bottom, gap = 55, 140, 3
    intro_h = 8
    name_lines, name_size, name_h = _fit(pdf, name, style="B", sizes=_sizes(26, 14), height=30)
    body_room = bottom - top - intro_h - name_h - 2 * gap
    body_lines, body_size, body_h = _fit(pdf, body, style="", sizes=_sizes(15, 9), height=body_room)
    y = top + (bottom - top - (intro_h + name_h + body_h + 2 * gap)) / 2
    pdf.set_text_color(*MUTED)
    _draw(pdf, [intro], y=y, style="", size=14, line_h=intro_h)
    pdf.set_text_color(*INK)
    _draw(pdf, name_lines, y=y + intro_h + gap, style="B", size=name_size)
    _draw(pdf, body_lines, y=y + intro_h + gap + name_h + gap, style="", size=body_size)

    # Footer: code and address on the left, QR code on the right.
    text_w = WIDTH - QR_BOX - 8
    pdf.set_text_color(*MUTED)
    _block(
        pdf, "Código de verificación", top=150, height=6, style="", sizes=(10,), w=text_w, align="L"
    )
    pdf.set_text_color(*INK)
    _block(
        pdf,
        _latin1(code),
        top=156,
        height=10,
        style="B",
        sizes=_sizes(20, 10),
        w=text_w,
        align="L",
        family="Courier",
    )
    pdf.set_text_color(*MUTED)
    _block(
        pdf,
        f"Verifique este certificado en {_latin1(verify_url)}",
        top=168,
        height=14,
        style="",
        sizes=(10, 9, 8, 7),
        w=text_w,
        align="L",
        link=verify_url,
    )
    _block(
        pdf,
        f"Emitido por {_latin1(issuer)} el {date_text}.",
        top=183,
        height=6,
        style="",
        sizes=(10, 9, 8, 7),
        w=text_w,
        align="L",
    )
    _draw_qr(pdf, verify_url, x=LEFT + WIDTH - QR_BOX, y=152, side=QR_BOX)

    return bytes(pdf.output())


def qr_rectangles(data: str) -> list[tuple[int, int, int]]:
    """The dark modules of `data`'s QR code as (row, first column, length) runs.

    Coordinates are those of segno's `matrix`, without the quiet zone; each run is as long as
    it can be, so two runs of one row never touch.
    """
    return _runs(_qr(data).matrix)


def spanish_date(day: datetime.date) -> str:
    """>>> spanish_date(datetime.date(2026, 11, 21))
    '21 de noviembre de 2026'
    """
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"


def hours_text(hours: int | Decimal) -> str:
    """'12 horas', '1 hora', '7,5 horas': no trailing zeros, a decimal comma."""
    value = Decimal(hours).normalize()
    number = format(value, "f").replace(".", ",")
    return f"{number} hora" if value == 1 else f"{number} horas"


def _qr(data: str) -> segno.QRCode:
    return segno.make(data, error="m", micro=False)


def _runs(matrix) -> list[tuple[int, int, int]]:
    runs = []
    for row, values in enumerate(matrix):
        start = None
        for col, value in enumerate((*values, 0)):  # a light sentinel closes the last run
            if value and start is None:
                start = col
            elif not value and start is not None:
                runs.append((row, start, col - start))
                start = None
    return runs


def _draw_qr(pdf: FPDF, data: str, *, x: float, y: float, side: float) -> None:
    """The QR code in a `side` square whose outer four modules are the (white) quiet zone."""
    qr = _qr(data)
    modules = len(qr.matrix)
    module = side / (modules + 2 * QR_BORDER)
    origin_x, origin_y = x + QR_BORDER * module, y + QR_BORDER * module
    pdf.set_fill_color(*INK)
    for row, col, length in _runs(qr.matrix):
        pdf.rect(
            origin_x + col * module, origin_y + row * module, length * module, module, style="F"
        )


def _latin1(text: str) -> str:
    """`text` in characters Helvetica can draw, on one line."""
    text = _SPACES.sub(" ", text.translate(_PLAIN)).strip()
    if _is_latin1(text):
        return text
    kept = []
    for char in text:
        if _is_latin1(char):
            kept.append(char)
            continue
        base = "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        kept.append(base if base and _is_latin1(base) else "?")
    return "".join(kept)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 3]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "..."


def _unbroken(text: str) -> str:
    return text.replace(" ", NBSP)


def _is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _sizes(largest: int, smallest: int) -> tuple[int, ...]:
    return tuple(range(largest, smallest - 1, -1))


def _line_height(size: float) -> float:
    return size * 0.3528 * 1.3  # points to millimetres, with leading


def _fit(
    pdf: FPDF,
    text: str,
    *,
    style: str,
    sizes: tuple[int, ...],
    height: float,
    w: float = WIDTH,
    family: str = "Helvetica",
) -> tuple[list[str], int, float]:
    """Lines, font size and height of `text` at the largest size that fits `w` × `height`.

    At the smallest size a text that still does not fit keeps the lines that do, the last one
    ending in "...".
    """
    for size in sizes:
        pdf.set_font(family, style, size)
        line_h = _line_height(size)
        lines = pdf.multi_cell(
            w, line_h, text, align=Align.C, dry_run=True, output=MethodReturnValue.LINES
        )
        if len(lines) * line_h <= height:
            return lines, size, len(lines) * line_h
    room = max(1, int(height // line_h))
    lines = lines[:room]
    last = lines[-1].rstrip()
    usable = w - 2 * pdf.c_margin
    while last and pdf.get_string_width(last + "...") > usable:
        last = last[:-1].rstrip()
    lines[-1] = last + "..."
    return lines, size, len(lines) * line_h


def _draw(
    pdf: FPDF,
    lines: list[str],
    *,
    y: float,
    style: str,
    size: int,
    line_h: float | None = None,
    w: float = WIDTH,
    align: str = "C",
    family: str = "Helvetica",
    link: str | None = None,
) -> None:
    """Lines already cut to `w` by `_fit`, one cell each, so nothing is re-wrapped."""
    pdf.set_font(family, style, size)
    line_h = line_h or _line_height(size)
    pdf.set_xy(LEFT, y)
    for line in lines:
        pdf.cell(w, line_h, line, align=align, link=link or "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _block(
    pdf: FPDF,
    text: str,
    *,
    top: float,
    height: float,
    style: str,
    sizes: tuple[int, ...],
    w: float = WIDTH,
    align: str = "C",
    family: str = "Helvetica",
    link: str | None = None,
) -> None:
    lines, size, _used = _fit(
        pdf, text, style=style, sizes=sizes, height=height, w=w, family=family
    )
    _draw(pdf, lines, y=top, style=style, size=size, w=w, align=align, family=family, link=link)
