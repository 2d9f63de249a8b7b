"""The upload form of the answer import: the file, checked down to its header, and a version."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import importing
from .models import Questionnaire

ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx")


class QuestionnaireChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Questionnaire) -> str:
        label = _("%(title)s, versión %(version)s") % {"title": obj.title, "version": obj.version}
        return label + (" " + _("(vigente)") if obj.is_current else "")


class DiagnosisImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Archivo de respuestas (CSV o Excel .xlsx)"),
        help_text=gettext_lazy(
            "Una fila por empresa y entrevista, con las columnas de la plantilla."
        ),
        error_messages={
            "required": gettext_lazy("Elija el archivo a importar."),
            "empty": gettext_lazy("El archivo está vacío."),
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    questionnaire = QuestionnaireChoiceField(
        label=gettext_lazy("Versión del cuestionario con la que se respondió"),
        queryset=Questionnaire.objects.order_by("code", "-version"),
        empty_label=None,
        required=False,  # not sent: the current version
        error_messages={"invalid_choice": gettext_lazy("Elija una versión de la lista.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = Questionnaire.objects.filter(is_current=True).order_by("code").first()
        if self.current is not None:
            self.fields["questionnaire"].initial = self.current.pk
        self.layout: importing.Layout | None = None

    def clean_questionnaire(self):
        questionnaire = self.cleaned_data.get("questionnaire") or self.current
        if questionnaire is None:
            raise forms.ValidationError(_("No hay ninguna versión del cuestionario publicada."))
        return questionnaire

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = Path(upload.name).name
        extension = Path(name).suffix.lower()
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(
                _(
                    "«%(name)s» no es un archivo CSV ni Excel (.xlsx). Si es un Excel antiguo "
                    "(.xls), ábralo y guárdelo como «Libro de Excel (.xlsx)»."
                )
                % {"name": name}
            )
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("«%(name)s» pesa %(size)s; el máximo es %(max)s. Divídalo en partes.")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES),
                }
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload, questionnaire = cleaned.get("file"), cleaned.get("questionnaire")
        if upload is None or questionnaire is None:
            return cleaned
        try:
            self.layout = importing.read_layout(upload, Path(upload.name).name, questionnaire.spec)
        except importing.HeaderError as exc:
            self.add_error("file", exc.messages())
        except importing.ImportFileError as exc:
            self.add_error("file", exc.message)
        return cleaned
