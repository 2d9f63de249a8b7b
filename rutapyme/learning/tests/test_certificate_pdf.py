"""The certificate PDF: its text, one page whatever the names, same bytes, the QR code."""

import datetime
import re
import zlib
from decimal import Decimal

import pytest
import segno

from rutapyme.learning.certificate_pdf import (
    certificate_pdf,
    hours_text,
    qr_rectangles,
    spanish_date,
)

URL = "https://rutapyme.example/c/RP-7K3F-9QXM"
MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 841.89, 595.28  # A4 landscape, in points
FRAME = 10 * MM  # the outer frame, 10 mm inside the page edge

TEXT = re.compile(rb"BT ([\d.]+) ([\d.]+) Td [^()]*\(((?:\\.|[^\\)])*)\) Tj")
FILLED_RECT = re.compile(rb"([\d.]+) ([\d.]+) ([\d.]+) (-[\d.]+) re f")


def make(**overrides) -> bytes:
    fields = {
        "person_name": "Ana María Pérez",
        "firm_name": "Artesanías del Sur S.A.",
        "course_title": "Vender en línea",
        "hours": 12,
        "issued_on": datetime.date(2026, 11, 21),
        "code": "RP-7K3F-9QXM",
        "verify_url": URL,
        "compress": False,
    }
    return certificate_pdf(**(fields | overrides))


def texts(pdf: bytes) -> list[str]:
    """The text drawn, one entry per line, no-break spaces shown as spaces."""
    return [_unescape(raw).replace("\xa0", " ") for _x, _y, raw in TEXT.findall(pdf)]


def positions(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y, _raw in TEXT.findall(pdf)]


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def statement(lines: list[str]) -> str:
    """The wrapped sentence after the name, rejoined (lines break at spaces)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("de la empresa"))
    end = lines.index("Código de verificación")
    return " ".join(lines[start:end])


def _unescape(raw: bytes) -> str:
    return re.sub(rb"\\(.)", rb"\1", raw).decode("latin-1")


def test_the_pdf_has_every_line_of_the_certificate():
    pdf = make()

    assert pdf.startswith(b"%PDF-")
    assert pages(pdf) == 1
    assert texts(pdf) == [
        "RUTA PYME",
        "Certificado de aprobación",
        "Se certifica que",
        "Ana María Pérez",
        "de la empresa Artesanías del Sur S.A., aprobó el curso «Vender en línea» (12 horas) el",
        "21 de noviembre de 2026.",
        "Código de verificación",
        "RP-7K3F-9QXM",
        f"Verifique este certificado en {URL}",
        "Emitido por Ruta Pyme el 21 de noviembre de 2026.",
    ]


def test_the_hours_and_the_date_are_never_split_across_lines():
    for extra in range(0, 80, 2):
        lines = texts(make(course_title="Vender en línea " + "x" * extra))

        assert any("(12 horas)" in line for line in lines), extra
        assert any("21 de noviembre de 2026." in line for line in lines), extra


def test_metadata_comes_from_the_certificate():
    pdf = make()

    assert b"/CreationDate (D:20261121120000Z)" in pdf
    assert b"/Author (Ruta Pyme)" in pdf
    assert b"/Keywords (RP-7K3F-9QXM)" in pdf
    assert b"/Lang (es)" in pdf
    title = re.search(rb"/Title <([0-9a-f]+)>", pdf).group(1)
    assert (
        bytes.fromhex(title.decode()).decode("utf-16")
        == "Certificado de aprobación: Vender en línea"
    )


def test_the_same_inputs_give_the_same_bytes():
    first = make(compress=True)
    second = make(compress=True)
    other_day = make(compress=True, issued_on=datetime.date(2026, 11, 22))

    assert first == second
    assert first != other_day


def test_the_compressed_pdf_is_small_and_holds_the_same_page():
    compressed = make(compress=True)
    streams = re.findall(rb"/Filter /FlateDecode.*?stream\n(.*?)\nendstream", compressed, re.S)
    content = b"\n".join(zlib.decompress(stream) for stream in streams)

    assert len(compressed) < 60 * 1024
    assert texts(content) == texts(make())


def test_issuer_is_printed_and_set_as_author():
    pdf = make(issuer="Ministerio de Producción")

    assert texts(pdf)[0] == "MINISTERIO DE PRODUCCIÓN"
    assert texts(pdf)[-1] == "Emitido por Ministerio de Producción el 21 de noviembre de 2026."
    assert b"/Author (Ministerio de Producci\xf3n)" not in pdf  # metadata is UTF-16, not latin-1
    assert b"/Author <feff" in pdf


def test_names_outside_latin1_are_transliterated_not_refused():
    pdf = make(
        person_name="Łukasz “Nguyễn” O’Brien – Núñez",
        firm_name="Café ‘El Águila’ — Œuvres",
        course_title="Exportar…",
    )

    lines = texts(pdf)
    assert pages(pdf) == 1
    assert lines[3] == 'Lukasz "Nguyen" O\'Brien - Núñez'
    assert statement(lines) == (
        "de la empresa Café 'El Águila' - OEuvres, aprobó el curso «Exportar...» (12 horas) "
        "el 21 de noviembre de 2026."
    )


def test_other_scripts_and_emoji_become_question_marks():
    pdf = make(person_name="王芳 😀", firm_name="Tienda\u200b Luna")

    assert texts(pdf)[3] == "?? ?"
    assert statement(texts(pdf)).startswith("de la empresa Tienda? Luna, aprobó")


def test_spaces_and_line_breaks_in_names_are_collapsed():
    pdf = make(person_name="  Ana\n María\t\tPérez  ")

    assert texts(pdf)[3] == "Ana María Pérez"


def test_a_300_character_course_title_wraps_inside_the_page():
    title = " ".join(["Comercio electrónico para mipymes exportadoras"] * 7)[:300].strip()
    pdf = make(course_title=title, person_name="María José de los Ángeles Fernández " * 3)

    lines = texts(pdf)
    footer_y = positions(pdf)[lines.index("Código de verificación")][1]
    statement_ys = [y for (_x, y), line in zip(positions(pdf), lines, strict=True)][3:-4]
    assert len(title) == 300
    assert pages(pdf) == 1
    assert f"«{title}» (12 horas)" in statement(lines)
    assert all(FRAME < x < PAGE_W - FRAME and FRAME < y < PAGE_H - FRAME for x, y in positions(pdf))
    assert min(statement_ys) > footer_y + 10
    assert statement_ys == sorted(statement_ys, reverse=True)
    assert len(set(statement_ys)) == len(statement_ys)


def test_absurdly_long_texts_are_cut_and_the_date_still_printed():
    pdf = make(
        person_name="Nombre " * 200,
        firm_name="x" * 5000,
        course_title="palabra " * 2000,
        code="RP-" + "X" * 80,
        verify_url="https://rutapyme.example/c/" + "a" * 300,
        issuer="Ministerio " * 40,
    )

    lines = texts(pdf)
    assert pages(pdf) == 1
    assert all(FRAME < x < PAGE_W - FRAME and FRAME < y < PAGE_H - FRAME for x, y in positions(pdf))
    assert statement(lines).endswith("...» (12 horas) el 21 de noviembre de 2026.")
    assert lines[0].endswith("...")


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (12, "12 horas"),
        (1, "1 hora"),
        (Decimal("1.0"), "1 hora"),
        (Decimal("7.50"), "7,5 horas"),
        (Decimal("40.0"), "40 horas"),
        (Decimal("0.5"), "0,5 horas"),
    ],
)
def test_hours_are_written_the_spanish_way(hours, expected):
    assert hours_text(hours) == expected
    assert f"«Vender en línea» ({expected})" in statement(texts(make(hours=hours)))


def test_dates_are_written_in_spanish():
    assert spanish_date(datetime.date(2026, 11, 21)) == "21 de noviembre de 2026"
    assert spanish_date(datetime.date(2027, 1, 1)) == "1 de enero de 2027"


def test_a_datetime_is_refused_for_issued_on():
    with pytest.raises(TypeError, match="timezone.localdate"):
        make(issued_on=datetime.datetime(2026, 11, 21, 3, tzinfo=datetime.UTC))


def test_qr_rectangles_rasterise_back_to_segnos_matrix():
    matrix = segno.make(URL, error="m", micro=False).matrix
    dark = {(r, c) for r, row in enumerate(matrix) for c, value in enumerate(row) if value}

    rectangles = qr_rectangles(URL)
    painted = [
        (row, col) for row, start, length in rectangles for col in range(start, start + length)
    ]

    assert set(painted) == dark
    assert len(painted) == len(dark)  # no module painted twice
    assert len(rectangles) < len(dark)


def test_qr_runs_are_as_long_as_they_can_be():
    rectangles = qr_rectangles(URL)

    for (row, start, length), (next_row, next_start, _) in zip(
        rectangles, rectangles[1:], strict=False
    ):
        assert length > 0
        if next_row == row:
            assert next_start > start + length  # a light module between two runs


def test_short_addresses_still_give_a_full_qr_code_not_a_micro_one():
    rectangles = qr_rectangles("https://x.co")
    first_row = [r for r in rectangles if r[0] == 0]

    # Version 1 (21 modules): two finder patterns on the top row, which Micro QR lacks.
    assert first_row[0] == (0, 0, 7)
    assert first_row[-1] == (0, 14, 7)


def test_the_pdf_draws_the_qr_code_inside_its_box_with_a_quiet_zone():
    pdf = make()
    rects = [tuple(map(float, r)) for r in FILLED_RECT.findall(pdf)]
    modules = len(segno.make(URL, error="m", micro=False).matrix)
    box_x, box_y, box = 227 * MM, PAGE_H - 152 * MM, 40 * MM  # top-left corner, in PDF points
    quiet = 4 * box / (modules + 8)

    assert len(rects) == len(qr_rectangles(URL))
    assert min(x for x, _y, _w, _h in rects) == pytest.approx(box_x + quiet, abs=0.01)
    assert max(x + w for x, _y, w, _h in rects) == pytest.approx(box_x + box - quiet, abs=0.02)
    assert max(y for _x, y, _w, _h in rects) == pytest.approx(box_y - quiet, abs=0.01)
    assert min(y + h for _x, y, _w, h in rects) == pytest.approx(box_y - box + quiet, abs=0.02)
