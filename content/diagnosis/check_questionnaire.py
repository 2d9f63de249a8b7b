#!/usr/bin/env python3
"""Check the diagnosis questionnaire (questionnaire-v1.json) and print a summary.

Standard library only, so it runs anywhere (CI, a programme officer's laptop):

    python3 content/diagnosis/check_questionnaire.py                 # check + summary
    python3 content/diagnosis/check_questionnaire.py --header        # CSV header for imports
    python3 content/diagnosis/check_questionnaire.py --topics-table  # topic weights, as Markdown
    python3 content/diagnosis/check_questionnaire.py --barriers-table
    python3 content/diagnosis/check_questionnaire.py --check-csv answers.csv

Exit status is 0 when the questionnaire (and the CSV, if given) has no errors, 1 otherwise.
The rules checked are the ones docs/diagnosis-scale.md and docs/diagnosis-import-format.md rely on.
"""

import argparse
import csv
import datetime
import io
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_JSON = HERE / "questionnaire-v1.json"

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
QUESTION_CODE = re.compile(r"^q(\d{2})_[a-z0-9_]+$")

KINDS = {
    "single",
    "multiple",
    "scale_matrix",
    "number_matrix",
    "text",
    "country",
    "sector",
    "size_band",
}
CHOICE_KINDS = {"single", "multiple", "country", "sector", "size_band"}
MATRIX_KINDS = {"scale_matrix", "number_matrix"}
PREFILLS = {None, "firm.country", "firm.sector", "firm.size_band"}

# Vocabularies of the firm registry (rutapyme/firms/models.py, rutapyme/core/countries.py).
REGISTRY = {
    "country": ["AR", "BO", "BR", "CL", "CO", "CU", "EC", "MX", "PA", "PY", "PE", "UY", "VE"],
    "sector": [
        "artesanias",
        "calzado",
        "textil",
        "autopartes",
        "alimentos",
        "bebidas",
        "cosmetica",
        "accesorios",
        "tecnologia",
        "otros",
    ],
    "size_band": ["0-5", "6-25", "26-50", "51-100", "100+"],
}
OFFER_TYPES = {"products", "services", "both"}
# Topic vocabulary shared with the training platform.
TOPICS = [
    "marketplaces",
    "tienda_propia",
    "redes_sociales",
    "marketing_digital",
    "medios_de_pago",
    "logistica_envios",
    "devoluciones_posventa",
    "atencion_cliente",
    "precios_exportacion",
    "regulaciones_destino",
    "analisis_datos",
    "fotografia_producto",
    "publicaciones",
    "sistemas_gestion",
]

CONDITIONAL_CEPAL = {"16", "17", "18", "19"}  # logistics: only firms that make or sell goods
BARRIER_QUESTIONS = {"q15_payment_barriers", "q19_logistics_barriers", "q20_other_barriers"}
AREA_QUESTIONS = ("q07_area_experience", "q08_area_staff")
EXPECTED_SCALES = {
    "q07_area_experience": "experience4",
    "q15_payment_barriers": "limiting5",
    "q19_logistics_barriers": "limiting5",
    "q20_other_barriers": "limiting5",
    "q22_support_usefulness": "usefulness4",
    "q23_training_needs": "need4",
}

# Codes that the rules in docs/diagnosis-scale.md name explicitly: if one disappears, the
# rules break.
RULE_REFERENCES = {
    "q06_online_sales": ["own_store", "marketplace", "both", "none"],
    "q07_area_experience": [
        "digital_sales",
        "digital_marketing",
        "logistics",
        "customer_service",
        "data_analysis",
        "it_systems",
    ],
    "q08_area_staff": ["digital_sales"],
    "q09_ecommerce_export": ["yes_region", "yes_lac_other", "yes_outside_lac", "no"],
    "q10_export_intent": ["short_term", "medium_term", "not_considered"],
    "q11_relevant_platforms": [
        "mercado_libre",
        "amazon",
        "falabella",
        "etsy",
        "ebay",
        "alibaba",
        "own_website",
        "other",
        "social_media",
        "dont_know",
    ],
    "q12_digital_tools": [
        "digital_catalog",
        "google_business",
        "facebook_business",
        "online_price_lists",
        "e_payments",
        "erp",
        "crm",
        "none",
    ],
    "q13_promotion_media": ["none"],
    "q14_payment_methods": ["credit_card", "debit_card", "payment_platform"],
    "q17_return_policy": ["yes_international"],
    "q18_delivery_abroad": ["not_evaluated"],
}

SECONDS_PER_QUESTION = 15
SECONDS_PER_ITEM = 6
SECONDS_PER_OPTION = 2  # reading a choice list; shown as a second, more cautious estimate

META_COLUMNS = [
    "TAX_ID",
    "COUNTRY",
    "QUESTIONNAIRE",
    "VERSION",
    "ANSWERED_ON",
    "CHANNEL",
    "INTERVIEWER",
]
TAX_ID_ALIASES = {"TAX_ID", "RUC", "RUT", "NIT", "CUIT", "RFC", "CNPJ", "RIF"}
CHANNELS = {"telefono", "papel", "presencial", "en_linea"}
# Columns the downloadable report of rejected rows adds (as in the firm import); ignored.
REPORT_COLUMNS = {"LINEA", "TIPO", "MOTIVO"}


class Report:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    def warn(self, where, message):
        self.warnings.append(f"{where}: {message}")


def iter_questions(doc):
    for step in doc.get("steps", []):
        for question in step.get("questions", []):
            yield step, question


def check_topics(report, where, topics):
    if topics is None:
        return
    if not isinstance(topics, dict) or not topics:
        report.error(where, "topics must be a non-empty object {topic: weight}")
        return
    for topic, weight in topics.items():
        if topic not in TOPICS:
            report.error(where, f"topic {topic!r} is not in the shared topic vocabulary")
        if not isinstance(weight, int) or not 1 <= weight <= 3:
            report.error(where, f"weight of {topic!r} must be an integer 1-3, got {weight!r}")


def check_document(doc):
    report = Report()
    keys = ("code", "version", "title", "intro", "source", "scales", "areas", "topics", "steps")
    for key in keys:
        if key not in doc:
            report.error("document", f"missing key {key!r}")
    if not isinstance(doc.get("version"), int):
        report.error("document", "version must be an integer")
    if "CEPAL" not in doc.get("source", {}).get("title", ""):
        report.error("source", "title must name CEPAL")

    scales = doc.get("scales", {})
    for name, points in scales.items():
        values = [p.get("value") for p in points]
        if values != list(range(1, len(points) + 1)):
            report.error(f"scale {name}", f"values must be 1..n in order, got {values}")
        for p in points:
            if not p.get("label"):
                report.error(f"scale {name}", f"value {p.get('value')} has no label")

    area_codes = [a["code"] for a in doc.get("areas", [])]
    if len(set(area_codes)) != len(area_codes):
        report.error("areas", "duplicate area code")
    rows = sorted(a.get("cuadro3_row", 0) for a in doc.get("areas", []))
    if rows != list(range(1, len(area_codes) + 1)):
        report.error("areas", f"cuadro3_row must number the rows 1..{len(area_codes)}, got {rows}")
    vocabulary = [t["code"] for t in doc.get("topics", [])]
    if vocabulary != TOPICS:
        report.error("topics", "topic list differs from the vocabulary shared with training")

    steps = doc.get("steps", [])
    if not 6 <= len(steps) <= 8:
        report.warn("steps", f"{len(steps)} steps; the design asks for 6 to 8")
    step_codes, question_codes, cepal_numbers = set(), {}, []
    for step in steps:
        code = step.get("code", "")
        if not SNAKE.match(code):
            report.error(f"step {code!r}", "code is not snake_case")
        if code in step_codes:
            report.error(f"step {code!r}", "duplicate step code")
        step_codes.add(code)
        if not step.get("title"):
            report.error(f"step {code}", "no title")
        if not step.get("questions"):
            report.error(f"step {code}", "step has no questions")
        elif len(step["questions"]) > 4:
            report.warn(f"step {code}", f"{len(step['questions'])} questions; keep steps to 4")

    for step, question in iter_questions(doc):
        qcode = question.get("code", "")
        where = qcode or f"a question in step {step.get('code')}"
        match = QUESTION_CODE.match(qcode)
        if not match or not SNAKE.match(qcode):
            report.error(where, "code must be snake_case and start with qNN_")
        elif str(int(match.group(1))) != question.get("cepal"):
            report.error(where, f"prefix does not match CEPAL number {question.get('cepal')!r}")
        if qcode in question_codes:
            report.error(where, "duplicate question code")
        question_codes[qcode] = question
        cepal_numbers.append(question.get("cepal"))

        kind = question.get("kind")
        if kind not in KINDS:
            report.error(where, f"unknown kind {kind!r}")
            continue
        if not question.get("text"):
            report.error(where, "no text")
        if not isinstance(question.get("required"), bool):
            report.error(where, "required must be true or false")
        prefill = question.get("prefill")
        if prefill not in PREFILLS:
            report.error(where, f"unknown prefill {prefill!r}")
        if kind in REGISTRY and prefill != f"firm.{kind}":
            report.error(where, f"kind {kind} must be prefilled from firm.{kind}")

        show_if = question.get("show_if")
        if show_if is not None:
            if question.get("cepal") not in CONDITIONAL_CEPAL:
                report.error(where, "show_if is only allowed on questions 16-19 (logistics)")
            offer_types = set(show_if.get("firm.offer_type", []))
            if set(show_if) != {"firm.offer_type"} or not offer_types <= OFFER_TYPES:
                report.error(where, "show_if must be {'firm.offer_type': [products|services|both]}")
        elif question.get("cepal") in CONDITIONAL_CEPAL:
            report.error(where, "questions 16-19 must carry show_if on firm.offer_type")

        if kind in CHOICE_KINDS:
            options = question.get("options") or []
            if not options:
                report.error(where, "choice question without options")
            codes = [o.get("code") for o in options]
            if len(set(codes)) != len(codes):
                report.error(where, "duplicate option code")
            if kind in REGISTRY:
                if codes != REGISTRY[kind]:
                    report.error(where, f"options must be the registry's {kind} codes, in order")
            else:
                for o in options:
                    if not SNAKE.match(o.get("code") or ""):
                        report.error(where, f"option code {o.get('code')!r} is not snake_case")
            for o in options:
                if not o.get("label"):
                    report.error(where, f"option {o.get('code')!r} has no label")
                check_topics(report, f"{where}.{o.get('code')}", o.get("topics"))
            for code in question.get("exclusive", []):
                if code not in codes:
                    report.error(where, f"exclusive option {code!r} is not an option")
                if kind != "multiple":
                    report.error(where, "exclusive only makes sense on multiple choice")
        elif question.get("options") or question.get("exclusive"):
            report.error(where, f"kind {kind} takes no options")

        if kind in MATRIX_KINDS:
            items = question.get("items") or []
            if not items:
                report.error(where, "matrix without items")
            codes = [i.get("code") for i in items]
            if len(set(codes)) != len(codes):
                report.error(where, "duplicate item code")
            for i in items:
                icode = i.get("code") or ""
                if not SNAKE.match(icode):
                    report.error(where, f"item code {icode!r} is not snake_case")
                if not i.get("label"):
                    report.error(where, f"item {icode!r} has no label")
                if "area" in i and i["area"] not in area_codes:
                    report.error(where, f"item {icode!r} has unknown area {i['area']!r}")
                if qcode in AREA_QUESTIONS and "area" not in i:
                    report.error(where, f"item {icode!r} needs an area (it feeds the area scores)")
                if qcode in BARRIER_QUESTIONS and not isinstance(i.get("barrier_priority"), int):
                    report.error(where, f"item {icode!r} needs an integer barrier_priority")
                check_topics(report, f"{where}__{icode}", i.get("topics"))
            if kind == "scale_matrix":
                scale = question.get("scale")
                if scale not in scales:
                    report.error(where, f"scale {scale!r} does not exist")
                if qcode in EXPECTED_SCALES and scale != EXPECTED_SCALES[qcode]:
                    report.error(where, f"must use the CEPAL scale {EXPECTED_SCALES[qcode]}")
            else:
                lo, hi = question.get("min"), question.get("max")
                if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi):
                    report.error(where, "number_matrix needs integer min < max")
        elif question.get("items"):
            report.error(where, f"kind {kind} takes no items")
        if kind not in {"scale_matrix"} and "scale" in question:
            report.error(where, f"kind {kind} takes no scale")

    expected = [str(n) for n in range(1, 25)]
    if sorted(cepal_numbers, key=int) != expected:
        report.error("questions", f"CEPAL questions 1-24 must appear once each: {cepal_numbers}")

    # Area questions: same items, same areas, same order, all seven areas covered.
    q07, q08 = (question_codes.get(c) for c in AREA_QUESTIONS)
    if q07 and q08:
        pairs7 = [(i["code"], i.get("area")) for i in q07.get("items", [])]
        pairs8 = [(i["code"], i.get("area")) for i in q08.get("items", [])]
        if pairs7 != pairs8:
            report.error("q07/q08", "item codes and areas must be identical and in the same order")
        if sorted(str(a) for _, a in pairs7) != sorted(area_codes):
            report.error("q07/q08", "each area must appear exactly once")
    else:
        report.error("q07/q08", "both area questions must exist")

    priorities = [
        i.get("barrier_priority")
        for c in BARRIER_QUESTIONS
        if c in question_codes
        for i in question_codes[c].get("items", [])
    ]
    if sorted(p for p in priorities if isinstance(p, int)) != list(range(1, len(priorities) + 1)):
        report.error("barriers", f"barrier_priority must number the items 1..{len(priorities)}")

    for qcode, codes in RULE_REFERENCES.items():
        question = question_codes.get(qcode)
        if question is None:
            report.error("rules", f"{qcode} is named by the scoring rules but missing")
            continue
        present = {o["code"] for o in question.get("options", [])} | {
            i["code"] for i in question.get("items", [])
        }
        for code in codes:
            if code not in present:
                report.error("rules", f"{qcode}: code {code!r} is named by the scoring rules")
    return report


# ---------------------------------------------------------------- summary and tables


def minutes(questions, with_options=False):
    seconds = 0
    for q in questions:
        seconds += SECONDS_PER_QUESTION + SECONDS_PER_ITEM * len(q.get("items", []))
        if with_options and q["kind"] in {"single", "multiple"}:
            seconds += SECONDS_PER_OPTION * len(q.get("options", []))
    return seconds / 60


def summary(doc):
    lines = [f"{doc['code']} v{doc['version']}: {doc['title']}"]
    all_questions, goods_only = [], []
    for step in doc["steps"]:
        qs = step["questions"]
        items = sum(len(q.get("items", [])) for q in qs)
        options = sum(len(q.get("options", [])) for q in qs)
        conditional = " (products/both only)" if all(q.get("show_if") for q in qs) else ""
        lines.append(
            f"  {step['code']:<15} {len(qs)} questions, {items:>2} items, {options:>2} options, "
            f"~{minutes(qs):.1f} min{conditional}: " + ", ".join(q["code"] for q in qs)
        )
        all_questions += qs
        goods_only += [q for q in qs if q.get("show_if")]
    services = [q for q in all_questions if not q.get("show_if")]
    n_items = sum(len(q.get("items", [])) for q in all_questions)
    lines.append(
        f"steps: {len(doc['steps'])}; questions: {len(all_questions)}; "
        f"matrix items: {n_items}; of which shown only to goods firms: "
        f"{len(goods_only)} questions"
    )
    lines.append(
        f"estimated time ({SECONDS_PER_QUESTION} s/question + {SECONDS_PER_ITEM} s/item): "
        f"{minutes(all_questions):.1f} min for a firm with products, "
        f"{minutes(services):.1f} min for a services-only firm"
    )
    lines.append(
        f"cautious estimate (+{SECONDS_PER_OPTION} s per choice option read): "
        f"{minutes(all_questions, True):.1f} min / {minutes(services, True):.1f} min"
    )
    return "\n".join(lines)


def topics_table(doc):
    rows = ["| source (question__item or question=option) | topics and weights |", "| --- | --- |"]
    for _, q in iter_questions(doc):
        for o in q.get("options", []):
            if o.get("topics"):
                rows.append(
                    f"| `{q['code']}={o['code']}` | "
                    + ", ".join(f"{t} {w}" for t, w in o["topics"].items())
                    + " |"
                )
        for i in q.get("items", []):
            if i.get("topics"):
                rows.append(
                    f"| `{q['code']}__{i['code']}` | "
                    + ", ".join(f"{t} {w}" for t, w in i["topics"].items())
                    + " |"
                )
    return "\n".join(rows)


def barriers_table(doc):
    found = []
    for _, q in iter_questions(doc):
        if q["code"] in BARRIER_QUESTIONS:
            found += [(i["barrier_priority"], q["code"], i) for i in q["items"]]
    rows = ["| priority | code | factor |", "| ---: | --- | --- |"]
    for priority, qcode, i in sorted(found, key=lambda t: t[0]):
        rows.append(f"| {priority} | `{qcode}__{i['code']}` | {i['label']} |")
    return "\n".join(rows)


def csv_columns(doc):
    cols = list(META_COLUMNS)
    for _, q in iter_questions(doc):
        if q["kind"] in MATRIX_KINDS:
            for i in q["items"]:
                cols.append(f"{q['code']}__{i['code']}")
                if i.get("text"):
                    cols.append(f"{q['code']}__{i['code']}__text")
        else:
            cols.append(q["code"])
            for o in q.get("options", []):
                if o.get("text"):
                    cols.append(f"{q['code']}__{o['code']}__text")
    return cols


def normalise_column(name):
    """Metadata columns in any case (tax-ID aliases become TAX_ID); answer columns as written."""
    upper = name.strip().upper()
    if upper in TAX_ID_ALIASES:
        return "TAX_ID"
    if upper in META_COLUMNS or upper in REPORT_COLUMNS:
        return upper
    return name.strip()


def required_columns(doc):
    """Columns a file must have: identity, date, and every answer that is always required."""
    cols = ["TAX_ID", "COUNTRY", "ANSWERED_ON"]
    for _, q in iter_questions(doc):
        if not q["required"] or q.get("show_if") or q.get("prefill"):
            continue
        if q["kind"] in MATRIX_KINDS:
            cols += [f"{q['code']}__{i['code']}" for i in q["items"] if i.get("required", True)]
        else:
            cols.append(q["code"])
    return cols


# ---------------------------------------------------------------- CSV check


def check_csv(doc, path, today=None):
    """Validate a CSV of answers against the questionnaire; returns a list of problems.

    Each problem is (line, tax_id, country, column, value, severity, code, message), the
    columns of the error report described in docs/diagnosis-import-format.md. Tax-ID check
    digits and the match with the firm registry are the importer's job (they need the
    database and stdnum).
    """
    today = today or datetime.date.today()
    raw = Path(path).read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(raw.splitlines()[0], delimiters=",;\t")
    reader = csv.reader(io.StringIO(raw), dialect)
    header = next(reader)
    header = [normalise_column(h) for h in header]
    problems = []
    known = set(csv_columns(doc)) | REPORT_COLUMNS
    for column in header:
        if column not in known:
            problems.append(
                (
                    1,
                    "",
                    "",
                    column,
                    "",
                    "error",
                    "unknown_column",
                    "Columna desconocida para esta versión del cuestionario.",
                )
            )
    missing = [c for c in required_columns(doc) if c not in header]
    for column in missing:
        problems.append(
            (1, "", "", column, "", "error", "missing_column", "Falta esta columna obligatoria.")
        )
    if problems:  # a bad header rejects the file before any row is read
        return problems
    questions = {q["code"]: q for _, q in iter_questions(doc)}
    scales = doc["scales"]
    seen = set()
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        row = dict(zip(header, (v.strip() for v in values), strict=False))
        tax_id, country = row.get("TAX_ID", ""), row.get("COUNTRY", "").upper()

        def add(column, value, severity, code, message, line=line, tax_id=tax_id, country=country):
            problems.append((line, tax_id, country, column, value, severity, code, message))

        if not tax_id:
            add("TAX_ID", "", "error", "required_missing", "Falta la identificación tributaria.")
        if country not in REGISTRY["country"]:
            add("COUNTRY", country, "error", "invalid_option", "País fuera de los 13 de ALADI.")
        if (tax_id, country) in seen:
            add("TAX_ID", tax_id, "error", "duplicate_row", "La empresa aparece dos veces.")
        seen.add((tax_id, country))
        if row.get("QUESTIONNAIRE", doc["code"]) != doc["code"]:
            add(
                "QUESTIONNAIRE",
                row["QUESTIONNAIRE"],
                "error",
                "version_unknown",
                "Cuestionario desconocido.",
            )
        if row.get("VERSION", str(doc["version"])) != str(doc["version"]):
            add(
                "VERSION",
                row["VERSION"],
                "error",
                "version_unknown",
                f"Este archivo se revisa con la versión {doc['version']}.",
            )
        answered = row.get("ANSWERED_ON", "")
        try:
            if re.match(r"^\d{2}/\d{2}/\d{4}$", answered):
                day = datetime.datetime.strptime(answered, "%d/%m/%Y").date()
            else:
                day = datetime.date.fromisoformat(answered)
            if day > today:
                add("ANSWERED_ON", answered, "error", "date_invalid", "La fecha está en el futuro.")
        except ValueError:
            add(
                "ANSWERED_ON",
                answered,
                "error",
                "date_invalid",
                "Fecha inválida: use AAAA-MM-DD (o DD/MM/AAAA).",
            )
        if row.get("CHANNEL") and row["CHANNEL"] not in CHANNELS:
            add(
                "CHANNEL",
                row["CHANNEL"],
                "error",
                "invalid_option",
                "Canal: telefono, papel, presencial o en_linea.",
            )

        for qcode, q in questions.items():
            kind = q["kind"]
            if kind in MATRIX_KINDS:
                for i in q["items"]:
                    column = f"{qcode}__{i['code']}"
                    value = row.get(column, "")
                    if not value:
                        if q["required"] and i.get("required", True) and not q.get("show_if"):
                            add(column, "", "error", "required_missing", "Falta la respuesta.")
                        continue
                    try:
                        number = int(value)
                    except ValueError:
                        add(column, value, "error", "out_of_range", "Debe ser un número entero.")
                        continue
                    if kind == "scale_matrix":
                        allowed = [p["value"] for p in scales[q["scale"]]]
                        if number not in allowed:
                            add(
                                column,
                                value,
                                "error",
                                "out_of_range",
                                f"Valor fuera de la escala ({allowed[0]} a {allowed[-1]}).",
                            )
                    elif not q["min"] <= number <= q["max"]:
                        add(
                            column,
                            value,
                            "error",
                            "out_of_range",
                            f"Debe estar entre {q['min']} y {q['max']}.",
                        )
                continue
            value = row.get(qcode, "")
            if not value:
                if q["required"] and not q.get("show_if") and not q.get("prefill"):
                    add(qcode, "", "error", "required_missing", "Falta la respuesta.")
                continue
            if kind == "text":
                if len(value) > q.get("max_length", 1000):
                    add(qcode, value[:20] + "…", "error", "out_of_range", "Texto demasiado largo.")
                continue
            codes = [c.strip() for c in value.split(";") if c.strip()]
            codes = [c.upper() if kind == "country" else c.lower() for c in codes]
            allowed = {o["code"] for o in q["options"]}
            if kind != "multiple" and len(codes) != 1:
                add(qcode, value, "error", "invalid_option", "Admite una sola opción.")
            for code in codes:
                if code not in allowed:
                    add(qcode, code, "error", "invalid_option", "Opción desconocida.")
            for code in q.get("exclusive", []):
                if code in codes and len(codes) > 1:
                    add(
                        qcode,
                        value,
                        "error",
                        "exclusive_conflict",
                        f"«{code}» no se combina con otras opciones.",
                    )
            if kind == "country" and codes and codes[0] != country:
                add(qcode, value, "error", "country_mismatch", "No coincide con COUNTRY.")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="?", default=str(DEFAULT_JSON))
    parser.add_argument("--header", action="store_true", help="print the CSV import header")
    parser.add_argument("--topics-table", action="store_true")
    parser.add_argument("--barriers-table", action="store_true")
    parser.add_argument("--check-csv", metavar="PATH")
    args = parser.parse_args(argv)

    doc = json.loads(Path(args.json).read_text(encoding="utf-8"))
    report = check_document(doc)
    for message in report.warnings:
        print(f"warning: {message}", file=sys.stderr)
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    if report.errors:
        print(f"{len(report.errors)} error(s)", file=sys.stderr)
        return 1

    if args.header:
        print(",".join(csv_columns(doc)))
    elif args.topics_table:
        print(topics_table(doc))
    elif args.barriers_table:
        print(barriers_table(doc))
    elif args.check_csv:
        problems = check_csv(doc, args.check_csv)
        writer = csv.writer(sys.stdout)
        writer.writerow(
            ["line", "tax_id", "country", "column", "value", "severity", "code", "message"]
        )
        writer.writerows(problems)
        return 1 if any(p[5] == "error" for p in problems) else 0
    else:
        print(summary(doc))
        print("OK: no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
