from django.utils import translation

from rutapyme.firms.normalise import parse_phone
from rutapyme.firms.taxids import check_tax_id


def test_tax_id_errors_follow_the_active_language():
    with translation.override("en"):
        assert check_tax_id("EC", "12345").error == "The RUC must have 13 digits; it has 5."
    with translation.override("pt-br"):
        assert check_tax_id("CL", "1").error == (
            "O RUT não é válido: revise os dígitos e o verificador."
        )
    with translation.override("es"):
        assert check_tax_id("EC", "12345").error == "El RUC debe tener 13 dígitos; tiene 5."


def test_phone_errors_follow_the_active_language():
    with translation.override("en"):
        assert parse_phone("EC", "12") == ("", "Invalid phone number: “12”.")
