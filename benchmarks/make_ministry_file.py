#!/usr/bin/env python3
"""Write a realistic, messy ministry file of firms: Windows-1252, `;`, CRLF.

    python benchmarks/make_ministry_file.py [--rows 70000] [--seed 2026] [--out FILE.csv]

What a real export looks like after passing through Excel and several hands: provinces and
sectors in any case with or without accents, extra spaces, RUCs of provinces 01-09 without
their leading zero, employee counts as "5.0" or as ranges, phones in every common format,
empty rows, rows repeated (identically, or with other data), a few formula-looking names, and
about 4 % of rows that cannot be imported (bad check digit, no name, unknown sector…).

Next to the file it writes FILE.expected.json: how many lines of each kind it holds, so the
benchmark can check that every line ended up imported or reported.
"""

import argparse
import csv
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rutapyme.settings")

from rutapyme.core.countries import EC_PROVINCES  # noqa: E402

COLUMNS = [
    "RUC", "RAZON_SOCIAL", "NOMBRE_COMERCIAL", "PROVINCIA", "CANTON", "SECTOR", "TIPO_OFERTA",
    "NUM_EMPLEADOS", "REPRESENTANTE_LEGAL", "EMAIL", "TELEFONO", "VENDE_EN_LINEA",
]  # fmt: skip

SECTOR_SPELLINGS = {
    "artesanias": ["Artesanías", "ARTESANIAS", "artesanía", "ARTESANÍAS", "Artesanal"],
    "calzado": ["Calzado", "CALZADO", "calzado "],
    "textil": ["Textil y confección", "TEXTIL", "textil/confeccion", "Confecciones"],
    "autopartes": ["Autopartes", "AUTOPARTES", "repuestos automotrices"],
    "alimentos": ["Alimentos", "ALIMENTOS", "Alimentos procesados", "agroindustria"],
    "bebidas": ["Bebidas", "BEBIDAS"],
    "cosmetica": ["Cosmética y cuidado personal", "COSMETICOS", "cosmética"],
    "accesorios": ["Accesorios y marroquinería", "MARROQUINERIA", "cuero"],
    "tecnologia": ["Tecnología", "TECNOLOGIA"],
    "otros": ["Otros", "OTROS"],
}
OFFER_SPELLINGS = {
    "products": ["Productos", "PRODUCTOS", "productos", "Bienes"],
    "services": ["Servicios", "SERVICIOS", "servicio"],
    "both": ["Ambos", "Productos y servicios", "MIXTO"],
}
CANTONS = {
    "EC-P": ["QUITO", "Cayambe", "Rumiñahui", "MEJIA"], "EC-G": ["GUAYAQUIL", "Durán", "Daule"],
    "EC-A": ["CUENCA", "Gualaceo", "Chordeleg"], "EC-M": ["PORTOVIEJO", "Manta", "Montecristi"],
    "EC-T": ["AMBATO", "Pelileo"], "EC-I": ["IBARRA", "Otavalo", "Cotacachi"],
}  # fmt: skip
GIVEN = ["María", "José", "Luis", "Ana", "Rosa", "Juan", "Carmen", "Jorge", "Lucía", "Segundo"]
SURNAMES = ["Quishpe", "Guamán", "Pérez", "Zambrano", "Andrade", "Muñoz", "Chávez", "Cedeño"]
FORMS = ["S.A.", "CIA. LTDA.", "Cía. Ltda.", "", "", "S.A.S."]
LANDLINE_AREA = {"EC-G": "4", "EC-M": "5", "EC-A": "7", "EC-T": "3", "EC-I": "6"}


def _spaces(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.05:
        return f"  {text} "
    if roll < 0.08:
        return text.replace(" ", "  ", 1)
    return text


def _province_text(rng: random.Random, name: str) -> str:
    plain = name.translate(str.maketrans("áéíóúÁÉÍÓÚ", "aeiouAEIOU"))
    return rng.choice([name, name.upper(), name.lower(), plain.upper(), plain, f" {name} "])


def _phone(rng: random.Random, province: str) -> str:
    if rng.random() < 0.08:
        return ""
    if rng.random() < 0.8:
        digits = f"9{rng.choice('89')}{rng.randint(0, 9_999_999):07d}"  # 9X XXX XXXX
        return rng.choice(
            [
                f"0{digits}",
                f"0{digits[:2]} {digits[2:5]} {digits[5:]}",
                digits,  # Excel dropped the leading zero
                f"+593 {digits[:2]} {digits[2:5]} {digits[5:]}",
                f"593{digits}",
                f"0{digits}.0",
            ]
        )
    area = LANDLINE_AREA.get(province, "2")
    local = f"{rng.randint(2, 7)}{rng.randint(0, 999_999):06d}"
    return rng.choice([f"(0{area}) {local[:3]}-{local[3:]}", f"0{area}{local}", f"0{area}-{local}"])


def _employees(rng: random.Random, count: int) -> str:
    roll = rng.random()
    if roll < 0.15:
        return f"{count}.0"
    if roll < 0.22:
        return "1 a 5" if count <= 5 else "6-25" if count <= 25 else str(count)
    return str(count)


def _valid_row(rng, fakes, used: set[str]) -> tuple[list[str], str]:
    fields = fakes.firm_fields(rng)
    province = fields["province"]
    prefix = fakes.EC_RUC_PROVINCE[province]
    while True:
        make = fakes.ec_company_ruc if rng.random() < 0.3 else fakes.ec_personal_ruc
        tax_id = make(rng, prefix)
        if tax_id not in used:
            used.add(tax_id)
            break
    written_ruc = tax_id[1:] if tax_id.startswith("0") and rng.random() < 0.6 else tax_id
    trade = fields["trade_name"]
    if rng.random() < 0.001:
        trade = f'=HYPERLINK("http://example.invalid/{rng.randint(0, 999)}","{trade}")'
    person = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
    legal = f"{fields['trade_name']} {rng.choice(FORMS)}".strip()
    if rng.random() < 0.4:
        legal = legal.upper()
    row = [
        written_ruc,
        _spaces(rng, legal),
        _spaces(rng, trade) if rng.random() < 0.8 else "",
        _province_text(rng, EC_PROVINCES[province]),
        rng.choice(CANTONS.get(province, [EC_PROVINCES[province].split(" ")[0].upper()])),
        rng.choice(SECTOR_SPELLINGS[fields["sector"]]),
        rng.choice(OFFER_SPELLINGS[fields["offer_type"]]),
        _employees(rng, fields["employees"]),
        person if rng.random() < 0.7 else "",
        f"ventas{len(used)}@{fields['trade_name'].split(' ')[0].lower()}.ec".translate(
            str.maketrans("áéíóúñ", "aeioun")
        )
        if rng.random() < 0.6
        else "",
        _phone(rng, province),
        rng.choice(["SI", "NO", "si", "No", "", "S", "N"]),
    ]
    return row, tax_id


def _break(rng: random.Random, row: list[str]) -> list[str]:
    """A copy of a valid row that the import must reject, for one of several reasons."""
    bad = list(row)
    kind = rng.randrange(8)
    if kind == 0:  # check digit of a personal RUC (third digit 0-5) off by one
        digits = bad[0].zfill(13)
        if digits[2] in "012345":
            bad[0] = digits[:9] + str((int(digits[9]) + 1) % 10) + digits[10:]
        else:
            bad[0] = digits[:10]  # a company RUC cut to 10 digits
    elif kind == 1:
        bad[1] = ""
    elif kind == 2:
        bad[5] = rng.choice(["Minería", "PETROLERO", "banca"])
    elif kind == 3:
        bad[10] = rng.choice(["12345", "099-12", "sin teléfono"])
    elif kind == 4:
        bad[9] = rng.choice(["juan@", "ventas.hotmail.com", "a@b"])
    elif kind == 5:
        bad[3] = rng.choice(["Narnia", "Quito Norte", "PICHINCHAA"])
    elif kind == 6:
        bad[7] = rng.choice(["varios", "10-30", "n/d"])
    else:
        bad[0] = ""
    return bad


def generate(rows: int, seed: int, out: Path) -> dict:
    import django

    django.setup()
    from rutapyme.firms import fakes

    rng = random.Random(seed)
    used: set[str] = set()
    valid: list[list[str]] = []
    expected = {"lines": rows, "valid": 0, "rejected": 0, "conflicting": 0, "duplicate": 0}
    expected["empty"] = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for _ in range(rows):
            roll = rng.random()
            if roll < 0.005:
                writer.writerow([""] * len(COLUMNS) if rng.random() < 0.7 else [])
                expected["empty"] += 1
            elif roll < 0.045 and valid:
                writer.writerow(_break(rng, rng.choice(valid)[0]))
                expected["rejected"] += 1
            elif roll < 0.055 and valid:
                first, _tax_id = rng.choice(valid)
                repeat = list(first)
                repeat[1] = repeat[1].strip()  # same data, written a little differently
                writer.writerow(repeat)
                expected["duplicate"] += 1
            elif roll < 0.058 and valid:
                first, _tax_id = rng.choice(valid)
                other = list(first)
                other[10] = f"09{rng.choice('89')}{rng.randint(0, 9_999_999):07d}"  # new phone
                writer.writerow(other)
                expected["conflicting"] += 1
            else:
                row, tax_id = _valid_row(rng, fakes, used)
                valid.append((row, tax_id))
                writer.writerow(row)
                expected["valid"] += 1
    out.with_name(out.name + ".expected.json").write_text(json.dumps(expected, indent=2))
    return expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=70_000, help="data lines (default 70000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "ministerio.csv")
    args = parser.parse_args()
    expected = generate(args.rows, args.seed, args.out)
    size = args.out.stat().st_size / 1e6
    print(f"{args.out} ({size:.1f} MB): {json.dumps(expected)}")


if __name__ == "__main__":
    main()
