"""Lesson guides: downloadable files that must be the PDF, Excel or Word file they claim to be.

A guide is downloaded by firms from a programme's site, so the extension alone is not trusted:
the content must match it. A PDF starts with `%PDF-`; an .xlsx or a .docx is a zip (Office
Open XML) with `[Content_Types].xml` and its part folder (`xl/` or `word/`). Only the zip's
directory is read, never its members, so a crafted archive costs nothing to check. Every
refusal is a `ValidationError` in Spanish naming the file, never an error page.
"""

import contextlib
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_GUIDE_BYTES = 20 * 1024 * 1024

GUIDE_PDF, GUIDE_XLSX, GUIDE_DOCX = "pdf", "xlsx", "docx"
GUIDE_KINDS = ((GUIDE_PDF, "PDF"), (GUIDE_XLSX, "Excel"), (GUIDE_DOCX, "Word"))  # brand names

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
# The folder of an Office Open XML package that holds the document itself.
_PART_FOLDER = {GUIDE_XLSX: "xl/", GUIDE_DOCX: "word/"}
_KIND_PHRASE = {
    GUIDE_PDF: gettext_lazy("un PDF"),
    GUIDE_XLSX: gettext_lazy("un Excel (.xlsx)"),
    GUIDE_DOCX: gettext_lazy("un Word (.docx)"),
}
_OLD_OFFICE = {".xls", ".doc", ".ppt"}


def guide_kind(file) -> str:
    """The kind code ("pdf", "xlsx", "docx") of an uploaded or stored guide.

    `file` is anything with `name`, `size`, `read` and `seek` (an `UploadedFile`, a
    `FieldFile`). Raises `ValidationError` when the file is not an acceptable guide. Either
    way the file is left at position 0, or closed again if it was closed (a stored file).
    """
    name = Path(file.name or "").name
    suffix = Path(name).suffix.lower()
    kind = suffix.removeprefix(".")
    if kind not in _KIND_PHRASE:
        message = _("El archivo «%(name)s» no es una guía admitida.") % {"name": name}
        message += " " + _("Solo se aceptan guías PDF, Excel (.xlsx) o Word (.docx).")
        if suffix in _OLD_OFFICE:
            message += " " + _(
                "Si es un archivo de Office antiguo, ábralo y guárdelo en el formato actual "
                "(.xlsx o .docx)."
            )
        raise ValidationError(message, code="guide_type")
    try:
        size = file.size
    except OSError:
        raise _unreadable(name) from None
    if not size:
        raise ValidationError(
            _("El archivo «%(name)s» está vacío.") % {"name": name}, code="guide_empty"
        )
    if size > MAX_GUIDE_BYTES:
        raise ValidationError(
            _("El archivo «%(name)s» pesa %(size)s; el máximo es %(max)s.")
            % {"name": name, "size": filesizeformat(size), "max": filesizeformat(MAX_GUIDE_BYTES)},
            code="guide_size",
        )
    parts: set[str] = set()
    opened_here = getattr(file, "closed", False)  # a stored FieldFile opens on first read
    try:
        file.seek(0)
        head = file.read(len(PDF_MAGIC))
        if kind == GUIDE_PDF:
            matches = head == PDF_MAGIC
        else:
            parts = _package_parts(file) if head.startswith(ZIP_MAGIC) else set()
            matches = "[Content_Types].xml" in parts and any(
                part.startswith(_PART_FOLDER[kind]) for part in parts
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise ValidationError(
            _("El archivo «%(name)s» está dañado y no se puede abrir.") % {"name": name},
            code="guide_corrupt",
        ) from None
    except OSError:
        raise _unreadable(name) from None
    finally:
        _rewind(file, close=opened_here)
    if not matches:
        raise ValidationError(
            _("El archivo «%(name)s» no es %(kind)s: su contenido no corresponde a la extensión.")
            % {"name": name, "kind": _KIND_PHRASE[kind]},
            code="guide_content",
        )
    if any(part.endswith("vbaProject.bin") for part in parts):
        raise ValidationError(
            _(
                "El archivo «%(name)s» contiene macros. Guárdelo sin macros (.xlsx o .docx) y "
                "vuelva a subirlo."
            )
            % {"name": name},
            code="guide_macros",
        )
    return kind


def validate_guide_file(file) -> None:
    """Django validator for the guide's `FileField`: `guide_kind` without the result."""
    guide_kind(file)


def _unreadable(name: str) -> ValidationError:
    return ValidationError(
        _("No se pudo leer el archivo «%(name)s». Vuelva a subirlo.") % {"name": name},
        code="guide_unreadable",
    )


def _package_parts(file) -> set[str]:
    """The names in a zip's directory; no member is decompressed."""
    file.seek(0)
    with zipfile.ZipFile(file) as package:
        return set(package.namelist())


def _rewind(file, *, close: bool) -> None:
    """Back to the start, or closed again if this module opened it."""
    with contextlib.suppress(OSError, ValueError):  # closed or unseekable: nothing to rewind
        if close:
            file.close()
        else:
            file.seek(0)
