"""Money: a Decimal amount with its ISO 4217 currency, formatted per the active locale."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats

# Currencies of the ALADI countries (and USD, used by Ecuador and Panamá) and their minor units.
MINOR_UNITS = {"CLP": 0, "PYG": 0, "COP": 2, "ARS": 2, "BOB": 2, "BRL": 2, "CUP": 2, "MXN": 2,
               "PAB": 2, "PEN": 2, "USD": 2, "UYU": 2, "VED": 2, "EUR": 2}  # fmt: skip


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"Not an ISO 4217 code: {self.currency!r}")

    def quantized(self) -> Decimal:
        places = MINOR_UNITS.get(self.currency, 2)
        return self.amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def format(self) -> str:
        """ "USD 1 234,50" in Spanish, "USD 1,234.50" in English; the code avoids "$" ambiguity
        between the region's many dollars and pesos."""
        places = MINOR_UNITS.get(self.currency, 2)
        number = formats.number_format(self.quantized(), places, use_l10n=True, force_grouping=True)
        return f"{self.currency} {number}"

    def __str__(self) -> str:
        return self.format()
