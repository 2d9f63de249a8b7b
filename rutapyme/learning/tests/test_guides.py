"""Lesson guides must be the PDF, Excel or Word file their name says."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from openpyxl import Workbook
from PIL import Image

from rutapyme.learning.guides import (
    GUIDE_KINDS,
    MAX_GUIDE_BYTES,
    guide_kind,
    validate_guide_file,
)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Guía</w:t></w:r></w:p></w:body></w:document>"
)


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "Costos"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes(*extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("word/document.xml", DOCUMENT)
        for name in extra:
            package.writestr(name, b"\x00")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(file) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        guide_kind(file)
    return caught.value.code, caught.value.message


class HugeUpload:
    """An upload that reports its size; it is never read, so nothing is written to disk."""

    name = "manual.pdf"

    def __init__(self, size: int):
        self.size = size

    def read(self, *args):
        raise AssertionError("a file over the limit must not be read")

    def seek(self, *args):
        raise AssertionError("a file over the limit must not be read")


def test_the_kinds_the_model_stores():
    assert GUIDE_KINDS == (("pdf", "PDF"), ("xlsx", "Excel"), ("docx", "Word"))
    assert MAX_GUIDE_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("guia.pdf", pdf_bytes(), "pdf"),
        ("GUIA.PDF", pdf_bytes(), "pdf"),
        ("costos.xlsx", xlsx_bytes(), "xlsx"),
        ("Costos.XLSX", xlsx_bytes(), "xlsx"),
        ("plan.docx", docx_bytes(), "docx"),
    ],
)
def test_real_files_are_accepted_with_their_kind(name, content, kind):
    file = upload(name, content)
    file.read(3)  # a view may have read part of it already

    assert guide_kind(file) == kind
    assert validate_guide_file(file) is None
    assert file.tell() == 0


def test_a_png_named_pdf_is_refused():
    file = upload("guia.pdf", png_bytes())

    assert refusal(file) == (
        "guide_content",
        "El archivo «guia.pdf» no es un PDF: su contenido no corresponde a la extensión.",
    )
    assert file.tell() == 0


def test_a_word_file_named_xlsx_is_refused():
    assert refusal(upload("costos.xlsx", docx_bytes())) == (
        "guide_content",
        "El archivo «costos.xlsx» no es un Excel (.xlsx): su contenido no corresponde a la "
        "extensión.",
    )


def test_an_excel_file_named_docx_is_refused():
    assert refusal(upload("plan.docx", xlsx_bytes())) == (
        "guide_content",
        "El archivo «plan.docx» no es un Word (.docx): su contenido no corresponde a la extensión.",
    )


def test_a_pdf_named_docx_is_refused():
    assert refusal(upload("plan.docx", pdf_bytes())) == (
        "guide_content",
        "El archivo «plan.docx» no es un Word (.docx): su contenido no corresponde a la extensión.",
    )


def test_a_zip_without_content_types_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", DOCUMENT)

    assert refusal(upload("plan.docx", buffer.getvalue()))[0] == "guide_content"


def test_a_corrupt_zip_is_refused_not_an_error():
    file = upload("plan.docx", b"PK\x03\x04" + b"\x00" * 200)

    assert refusal(file) == (
        "guide_corrupt",
        "El archivo «plan.docx» está dañado y no se puede abrir.",
    )
    assert file.tell() == 0


def test_a_truncated_docx_is_refused_not_an_error():
    assert refusal(upload("plan.docx", docx_bytes()[:-30]))[0] == "guide_corrupt"


def test_office_files_with_macros_are_refused():
    assert refusal(upload("plan.docx", docx_bytes("word/vbaProject.bin"))) == (
        "guide_macros",
        "El archivo «plan.docx» contiene macros. Guárdelo sin macros (.xlsx o .docx) y vuelva "
        "a subirlo.",
    )


@pytest.mark.parametrize("name", ["setup.exe", "guia.pdf.exe", "guia", "foto.png", "texto.txt"])
def test_other_extensions_are_refused(name):
    assert refusal(upload(name, pdf_bytes())) == (
        "guide_type",
        f"El archivo «{name}» no es una guía admitida. Solo se aceptan guías PDF, Excel (.xlsx) "
        "o Word (.docx).",
    )


def test_old_office_files_get_a_hint():
    assert refusal(upload("costos.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50)) == (
        "guide_type",
        "El archivo «costos.xls» no es una guía admitida. Solo se aceptan guías PDF, Excel "
        "(.xlsx) o Word (.docx). Si es un archivo de Office antiguo, ábralo y guárdelo en el "
        "formato actual (.xlsx o .docx).",
    )


def test_an_empty_file_is_refused():
    assert refusal(upload("guia.pdf", b"")) == (
        "guide_empty",
        "El archivo «guia.pdf» está vacío.",
    )


def test_a_file_over_the_limit_is_refused_without_reading_it():
    assert refusal(HugeUpload(25 * 1024 * 1024)) == (
        "guide_size",
        "El archivo «manual.pdf» pesa 25,0\xa0MB; el máximo es 20,0\xa0MB.",
    )
    assert refusal(HugeUpload(MAX_GUIDE_BYTES + 1))[0] == "guide_size"


def test_a_file_at_the_limit_is_read():
    file = upload("guia.pdf", pdf_bytes())
    file.size = MAX_GUIDE_BYTES

    assert guide_kind(file) == "pdf"


def test_the_name_shown_is_the_file_name_without_folders():
    file = upload("guia.pdf", png_bytes())
    file.name = "guides/2026/11/guia.pdf"

    assert refusal(file)[1].startswith("El archivo «guia.pdf» no es un PDF")


def test_the_validator_raises_the_same_error():
    with pytest.raises(ValidationError) as caught:
        validate_guide_file(upload("guia.pdf", png_bytes()))

    assert caught.value.code == "guide_content"
