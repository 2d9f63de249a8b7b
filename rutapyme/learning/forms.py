from django import forms
from django.utils.translation import gettext_lazy as _

from .codes import code_normalise
from .grading import parse_number
from .models import Question

REQUIRED = _("Responda esta pregunta.")
NOT_AN_OPTION = _("Elija una de las opciones de la pregunta.")


class QuizForm(forms.Form):
    """One field per question; `attempt` is the number of the attempt this form is for."""

    attempt = forms.IntegerField(min_value=1, max_value=32000, widget=forms.HiddenInput)

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question.field_name] = self._field_for(question)

    @staticmethod
    def _field_for(question: Question) -> forms.Field:
        errors = {
            "required": REQUIRED,
            "invalid_choice": NOT_AN_OPTION,
            "invalid_list": NOT_AN_OPTION,
        }
        if question.kind == Question.Kind.NUMERIC:
            return NumberAnswerField(
                label=question.text,
                error_messages={"required": REQUIRED},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                help_text=_("Solo el número; puede usar coma o punto para los decimales: 3,5"),
            )
        choices = [(c.code, c.text) for c in question.choices.all()]
        if question.kind == Question.Kind.MULTIPLE:
            return forms.MultipleChoiceField(
                label=question.text,
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages=errors,
                help_text=_("Marque todas las que correspondan."),
            )
        return forms.ChoiceField(
            label=question.text, choices=choices, widget=forms.RadioSelect, error_messages=errors
        )

    def answers(self) -> dict:
        """Question code → validated answer, for `services.quiz_attempt_submit`."""
        return {q.code: self.cleaned_data[q.field_name] for q in self.questions}

    def bound_questions(self):
        return [(q, self[q.field_name]) for q in self.questions]


class NumberAnswerField(forms.CharField):
    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_number(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Escriba solo un número, por ejemplo 3,5 o 1200."), code="not_a_number"
            ) from exc


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Código de verificación"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text=_("Está impreso en el certificado, en grupos de cuatro: 7KQ2-M9XD-…"),
    )

    def clean_code(self):
        code = code_normalise(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("Ese no es un código de Ruta Pyme: los códigos tienen 16 letras y números.")
            )
        return code


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo de la revocación"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Se muestra en la página de verificación."),
        error_messages={"required": _("Escriba el motivo: quien verifique el código lo verá.")},
    )
