"""The deterministic result of a self-diagnosis: level, area scores, barriers, needs and topics.

Every rule here is written out in `docs/diagnosis-scale.md`, Part B (rules version
`maturity-v1`), with the same condition codes, thresholds, weights and tie-break orders. The
result is a pure function of the stored answers (see `questionnaire.py` for their shape), the
firm's `offer_type` and its `q03_size_band` answer; nothing here touches the database.

Weights live in the questionnaire JSON (`topics` on items and options, `barrier_priority` on
barrier items, `area` on the q07/q08 items), so this module reads them from the parsed spec and
only holds the rules that are not data: the level conditions, the strengths of each kind of
signal and the mastered-topic rules. Changing any of them is a new `RULES_VERSION`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rutapyme.diagnosis.questionnaire import Item, Question, QuestionnaireSpec, is_goods, text_key
from rutapyme.diagnosis.topics import TOPIC_ORDER

RULES_VERSION = "maturity-v1"
# The first topics of the prioritised list are the firm's suggested route; the firm sees its
# first barriers and the rest behind «Ver todas» (docs/diagnosis-scale.md, B4 and B6).
ROUTE_LENGTH = 5
BARRIERS_SHOWN = 5

# Question codes the rules read (check_questionnaire.py keeps them in the JSON).
Q_SIZE = "q03_size_band"
Q_ONLINE_SALES = "q06_online_sales"
Q_EXPERIENCE = "q07_area_experience"
Q_STAFF = "q08_area_staff"
Q_ECOMMERCE_EXPORT = "q09_ecommerce_export"
Q_EXPORT_INTENT = "q10_export_intent"
Q_PLATFORMS = "q11_relevant_platforms"
Q_TOOLS = "q12_digital_tools"
Q_PROMOTION = "q13_promotion_media"
Q_PAYMENT_METHODS = "q14_payment_methods"
Q_PAYMENT_BARRIERS = "q15_payment_barriers"
Q_RETURN_POLICY = "q17_return_policy"
Q_DELIVERY_ABROAD = "q18_delivery_abroad"
Q_LOGISTICS_BARRIERS = "q19_logistics_barriers"
Q_OTHER_BARRIERS = "q20_other_barriers"
Q_SUPPORT = "q22_support_usefulness"
Q_NEEDS = "q23_training_needs"

# B2 condition sets.
ONLINE_TOOLS = frozenset(
    {"digital_catalog", "google_business", "facebook_business", "online_price_lists"}
)
SELLS_ONLINE = frozenset({"own_store", "marketplace", "both"})
CARD_OR_PLATFORM = frozenset({"credit_card", "debit_card", "payment_platform"})
PLANS_EXPORT = frozenset({"short_term", "medium_term"})
EXPORT_PLATFORMS = frozenset(
    {"mercado_libre", "amazon", "falabella", "etsy", "ebay", "alibaba", "own_website", "other"}
)
EXPORTED_ONLINE = frozenset({"yes_region", "yes_lac_other", "yes_outside_lac"})
SOCIAL_NETWORKS = frozenset(
    {"instagram", "facebook", "whatsapp", "twitter", "youtube", "tiktok", "other_social"}
)

# B4: barrier questions, in questionnaire order, with the group shown next to each barrier.
BARRIER_GROUPS = {
    Q_PAYMENT_BARRIERS: gettext_noop("Pagos"),
    Q_LOGISTICS_BARRIERS: gettext_noop("Logística"),
    Q_OTHER_BARRIERS: gettext_noop("Otros factores"),
}
BARRIER_VALUES = (1, 2)

# B6: strength of each kind of signal.
NEED_STRENGTH = {1: 3, 2: 2, 3: 1, 4: 0}
BARRIER_STRENGTH = {1: 3, 2: 2, 3: 0, 4: 0, 5: 1}
AREA_STRENGTH = {"debil": 2, "en_desarrollo": 1, "fuerte": 0}
OPTION_STRENGTH = 2
MASTERED_SCORE = 80


@dataclass(frozen=True)
class Level:
    number: int
    code: str
    name: str
    description: str


# The published scale (docs/diagnosis-scale.md, Part A). Marked for translation, translated
# when a result is built.
LEVELS: list[Level] = [
    Level(
        0,
        "sin_presencia",
        gettext_noop("Sin presencia en línea"),
        gettext_noop(
            "Su empresa todavía no aparece en internet: no vende en línea, no promociona sus "
            "productos en medios digitales y no usa herramientas como un catálogo digital o "
            "Google Mi Negocio. El primer paso es mostrarse en línea."
        ),
    ),
    Level(
        1,
        "presencia_en_linea",
        gettext_noop("Presencia en línea"),
        gettext_noop(
            "Su empresa se muestra en internet (redes sociales, catálogo digital, Google), pero "
            "sus clientes todavía no pueden hacerle pedidos en línea. El siguiente paso es vender "
            "en una tienda en línea o en una plataforma."
        ),
    ),
    Level(
        2,
        "vende_en_linea",
        gettext_noop("Vende en línea"),
        gettext_noop(
            "Sus clientes pueden comprarle en su tienda en línea o en una plataforma. Falta "
            "consolidar la operación: experiencia en ventas y marketing digital, alguien a cargo "
            "de las ventas en línea y cobros electrónicos."
        ),
    ),
    Level(
        3,
        "venta_consolidada",
        gettext_noop("Venta en línea consolidada"),
        gettext_noop(
            "Vende en línea con una operación establecida: tiene experiencia en ventas y "
            "marketing digital, alguien a cargo y acepta pagos electrónicos. El siguiente paso "
            "es prepararse para vender a otros países."
        ),
    ),
    Level(
        4,
        "preparada_para_exportar",
        gettext_noop("Preparada para exportar en línea"),
        gettext_noop(
            "Además de vender en línea con una operación establecida, planea vender a otros "
            "países en los próximos 3 años, identificó plataformas o un sitio propio aptos para "
            "hacerlo y, si vende productos, evaluó cómo entregarlos en el exterior."
        ),
    ),
    Level(
        5,
        "exporta_ecommerce",
        gettext_noop("Exporta por comercio electrónico"),
        gettext_noop(
            "Ya concretó exportaciones por comercio electrónico y hoy vende en línea. El trabajo "
            "ahora es crecer: más destinos, mejores márgenes, menos barreras."
        ),
    ),
]

AREA_BANDS: dict[str, str] = {
    "debil": gettext_noop("débil"),
    "en_desarrollo": gettext_noop("en desarrollo"),
    "fuerte": gettext_noop("fuerte"),
}


def level_info(number: int) -> Level:
    for level in LEVELS:
        if level.number == number:
            return level
    raise ValueError(f"Unknown maturity level: {number!r}")


def area_score(experience: int, staff: int, size_band: str) -> int:
    """B3: 25 × (4 − experience) + staff points (0, 15 or 25)."""
    if experience not in (1, 2, 3, 4):
        raise ValueError(f"Experience must be 1 to 4, not {experience!r}")
    if staff < 0:
        raise ValueError(f"Staff must be 0 or more, not {staff!r}")
    if staff == 0:
        staff_points = 0
    elif staff == 1:
        staff_points = 25 if size_band == "0-5" else 15
    else:
        staff_points = 25
    return 25 * (4 - experience) + staff_points


def area_band(score: int) -> str:
    if score < 50:
        return "debil"
    if score < 80:
        return "en_desarrollo"
    return "fuerte"


# --- Reading answers ---------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _chosen(answers: Mapping[str, Any], code: str) -> set[str]:
    value = answers.get(code)
    if value is None or value == "":
        return set()
    if isinstance(value, str):
        return {value}
    return set(value)


def _item_label(item: Item, answers: Mapping[str, Any]) -> str:
    """The item's label, or the firm's own words for an «Otro» item that has them."""
    if item.text:
        text = answers.get(text_key(item.key))
        if isinstance(text, str) and text.strip():
            return text.strip()
    return item.label


def _rated_items(q: Question | None, answers: Mapping[str, Any]) -> list[tuple[Item, int]]:
    if q is None:
        return []
    rated = []
    for item in q.items:
        value = _int(answers.get(item.key))
        if value is not None:
            rated.append((item, value))
    return rated


# --- B2: maturity level ------------------------------------------------------------------


def _condition_texts(online_sales_label: str) -> tuple[dict[str, str], dict[str, str]]:
    met = {
        "P1": _("Vende por comercio electrónico (pregunta 6)."),
        "P2": _("Promociona sus productos o servicios en medios digitales (pregunta 13)."),
        "P3": _(
            "Usa herramientas que lo muestran en línea, como un catálogo digital, Google Mi "
            "Negocio o Facebook Business (pregunta 12)."
        ),
        "S1": _("Vende por comercio electrónico: «%(option)s» (pregunta 6).")
        % {"option": online_sales_label},
        "C1": _("Tiene experiencia en ventas por canales digitales (pregunta 7)."),
        "C2": _("Tiene experiencia en marketing digital (pregunta 7)."),
        "C3": _("Al menos una persona trabaja en las ventas por canales digitales (pregunta 8)."),
        "C4": _("Acepta pagos electrónicos: tarjetas o plataformas de pago (preguntas 12 y 14)."),
        "X1": _(
            "Planea vender a otros países por comercio electrónico en los próximos 3 años "
            "(pregunta 10)."
        ),
        "X2": _(
            "Identificó plataformas o un sitio propio para vender a otros países (pregunta 11)."
        ),
        "X3": _("Evaluó cómo entregaría sus productos en otro país (pregunta 18)."),
        "E1": _("Ya concretó exportaciones por comercio electrónico (pregunta 9)."),
    }
    unmet = {
        "G1": _(
            "Todavía no se muestra en línea: no vende por comercio electrónico, no promociona en "
            "medios digitales ni usa herramientas como un catálogo digital o Google Mi Negocio "
            "(preguntas 6, 12 y 13)."
        ),
        "S1": _(
            "Sus clientes todavía no pueden hacerle pedidos en línea, ni en una tienda propia ni "
            "en una plataforma (pregunta 6)."
        ),
        "C1": _(
            "Sus ventas por canales digitales están en desarrollo o no están desarrolladas "
            "(pregunta 7)."
        ),
        "C2": _("Su marketing digital está en desarrollo o no está desarrollado (pregunta 7)."),
        "C3": _("Nadie trabaja en las ventas por canales digitales (pregunta 8)."),
        "C4": _(
            "Todavía no acepta pagos con tarjeta ni con plataformas de pago (preguntas 12 y 14)."
        ),
        "X1": _("No ha considerado vender a otros países por comercio electrónico (pregunta 10)."),
        "X2": _(
            "Todavía no identifica un marketplace o un sitio propio para vender a otros países; "
            "las redes sociales solas no bastan para exportar a escala (pregunta 11)."
        ),
        "X3": _("No ha evaluado cómo entregaría sus productos en otro país (pregunta 18)."),
        "E1": _("Todavía no ha concretado una exportación por comercio electrónico (pregunta 9)."),
        "E2": _("Exportó por comercio electrónico, pero hoy no vende en línea (preguntas 6 y 9)."),
    }
    return met, unmet


def _conditions(answers: Mapping[str, Any], goods: bool) -> dict[str, bool]:
    online_sales = answers.get(Q_ONLINE_SALES)
    tools = _chosen(answers, Q_TOOLS)
    promotion = _chosen(answers, Q_PROMOTION)
    experience_sales = _int(answers.get(f"{Q_EXPERIENCE}__digital_sales"))
    experience_marketing = _int(answers.get(f"{Q_EXPERIENCE}__digital_marketing"))
    staff_sales = _int(answers.get(f"{Q_STAFF}__digital_sales")) or 0
    c = {
        "P1": online_sales is not None and online_sales != "none",
        "P2": bool(promotion - {"none"}),
        "P3": bool(tools & ONLINE_TOOLS),
        "S1": online_sales in SELLS_ONLINE,
        "C1": experience_sales in (1, 2),
        "C2": experience_marketing in (1, 2),
        "C3": staff_sales >= 1,
        "C4": bool(_chosen(answers, Q_PAYMENT_METHODS) & CARD_OR_PLATFORM) or "e_payments" in tools,
        "X1": answers.get(Q_EXPORT_INTENT) in PLANS_EXPORT,
        "X2": bool(_chosen(answers, Q_PLATFORMS) & EXPORT_PLATFORMS),
        # Not applicable to firms that do not sell goods: treated as met, never shown.
        "X3": (answers.get(Q_DELIVERY_ABROAD) not in (None, "not_evaluated")) if goods else True,
        "E1": bool(_chosen(answers, Q_ECOMMERCE_EXPORT) & EXPORTED_ONLINE),
    }
    c["E2"] = c["S1"]
    c["G1"] = c["P1"] or c["P2"] or c["P3"]
    c["G3"] = c["C1"] and c["C2"] and c["C3"] and c["C4"]
    c["G4"] = c["X1"] and c["X2"] and c["X3"]
    return c


def _level(c: Mapping[str, bool]) -> int:
    if c["E1"] and c["E2"]:
        return 5
    if c["S1"] and c["G3"] and c["G4"]:
        return 4
    if c["S1"] and c["G3"]:
        return 3
    if c["S1"]:
        return 2
    if c["G1"]:
        return 1
    return 0


def _level_explanation(
    spec: QuestionnaireSpec, answers: Mapping[str, Any], c: Mapping[str, bool], goods: bool
) -> tuple[int, list[dict[str, str]], list[dict[str, str]]]:
    level = _level(c)
    online_sales = answers.get(Q_ONLINE_SALES) or ""
    q06 = spec.questions.get(Q_ONLINE_SALES)
    met, unmet = _condition_texts(q06.option_label(online_sales) if q06 else online_sales)

    def entries(codes, texts):
        return [{"code": code, "text": texts[code]} for code in codes]

    x_codes = ["X1", "X2", "X3"] if goods else ["X1", "X2"]
    if level == 0:
        reasons = entries(["G1"], unmet)
        missing = [
            {
                "code": "next",
                "text": _(
                    "Para llegar al nivel 1 basta con una de estas: promocionar sus productos en "
                    "un medio digital (pregunta 13) o usar un catálogo digital, Google Mi Negocio "
                    "o Facebook Business (pregunta 12)."
                ),
            }
        ]
    elif level == 1:
        reasons = entries([code for code in ("P2", "P3") if c[code]], met)
        missing = entries(["S1"], unmet)
    elif level == 2:
        reasons = entries(["S1"], met)
        missing = entries([code for code in ("C1", "C2", "C3", "C4") if not c[code]], unmet)
    elif level == 3:
        reasons = entries(["S1", "C1", "C2", "C3", "C4"], met)
        missing = entries([code for code in x_codes if not c[code]], unmet)
    elif level == 4:
        reasons = entries(["S1", "C1", "C2", "C3", "C4", *x_codes], met)
        missing = entries(["E1"], unmet)
    else:
        reasons = entries(["E1", "S1"], met)
        missing = [
            {
                "code": "next",
                "text": _(
                    "Ya está en el nivel más alto de la escala. Siga con su ruta para llegar a más "
                    "destinos y reducir sus barreras."
                ),
            }
        ]
    if c["E1"] and not c["E2"]:
        reasons += entries(["E2"], unmet)
    return level, reasons, missing


# --- B3: areas ---------------------------------------------------------------------------


def _areas(
    spec: QuestionnaireSpec, answers: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Area entries in the order of `spec.areas`, and the same entries by q07 item code."""
    size_band = answers.get(Q_SIZE) or ""
    q07 = spec.questions.get(Q_EXPERIENCE)
    items_by_area = {item.area: item for item in (q07.items if q07 else ()) if item.area}
    areas: list[dict[str, Any]] = []
    by_item: dict[str, dict[str, Any]] = {}
    for area in spec.areas:
        item = items_by_area.get(area["code"])
        if item is None:
            continue
        experience = _int(answers.get(item.key))
        if experience is None:
            continue
        staff = _int(answers.get(f"{Q_STAFF}__{item.code}")) or 0
        score = area_score(experience, staff, size_band)
        band = area_band(score)
        entry = {
            "code": area["code"],
            "label": area["label"],
            "item": item.code,
            "experience": experience,
            "staff": staff,
            "score": score,
            "band": band,
            "band_label": _(AREA_BANDS[band]),
        }
        areas.append(entry)
        by_item[item.code] = entry
    return areas, by_item


# --- B4 and B5: barriers, needs, support -------------------------------------------------


def _barriers(spec: QuestionnaireSpec, answers: Mapping[str, Any], offer_type: str) -> list[dict]:
    found = []
    for code, group in BARRIER_GROUPS.items():
        q = spec.questions.get(code)
        if q is None or not q.applies_to(offer_type):
            continue
        for item, value in _rated_items(q, answers):
            if value not in BARRIER_VALUES:
                continue
            entry = {
                "key": item.key,
                "question": q.code,
                "item": item.code,
                "label": _item_label(item, answers),
                "value": value,
                "value_label": q.scale_label(value),
                "group": _(group),
            }
            found.append(((value, item.barrier_priority or 0), entry))
    found.sort(key=lambda pair: pair[0])
    return [entry for _key, entry in found]


def _rated_list(
    q: Question | None, answers: Mapping[str, Any], values: tuple[int, ...], *, with_value: bool
) -> list[dict[str, Any]]:
    """Items rated with one of `values`, by value (in the given order) then questionnaire order."""
    rated = _rated_items(q, answers)
    listed = []
    for wanted in values:
        for item, value in rated:
            if value != wanted:
                continue
            entry: dict[str, Any] = {
                "key": item.key,
                "item": item.code,
                "label": _item_label(item, answers),
            }
            if with_value:
                entry["value"] = value
            listed.append(entry)
    return listed


# --- B6: topics --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Signal:
    order: tuple[int, int]
    strength: int
    topics: Mapping[str, int]
    text: str


def _area_text(label: str, band: str, score: int) -> str:
    if band == "debil":
        return _("Su área «%(area)s» está débil (puntaje %(score)s).") % {
            "area": label,
            "score": score,
        }
    return _("Su área «%(area)s» está en desarrollo (puntaje %(score)s).") % {
        "area": label,
        "score": score,
    }


def _barrier_text(label: str, value: int, number: str) -> str:
    params = {"item": label, "number": number}
    if value == 1:
        return _("Indicó que «%(item)s» es muy limitante (pregunta %(number)s).") % params
    if value == 2:
        return _("Indicó que «%(item)s» es medianamente limitante (pregunta %(number)s).") % params
    return _("Todavía no ha analizado si «%(item)s» lo limita (pregunta %(number)s).") % params


def _need_text(label: str, value: int, number: str) -> str:
    params = {"item": label, "number": number}
    if value == 1:
        return _("Necesita capacitación en «%(item)s» (pregunta %(number)s).") % params
    if value == 2:
        return (
            _(
                "Conoce medianamente el tema «%(item)s», pero necesita más información "
                "(pregunta %(number)s)."
            )
            % params
        )
    return (
        _(
            "Conoce el tema «%(item)s», pero no sabe cómo implementarlo en su empresa "
            "(pregunta %(number)s)."
        )
        % params
    )


def _signals(
    spec: QuestionnaireSpec,
    answers: Mapping[str, Any],
    offer_type: str,
    areas_by_item: Mapping[str, Mapping[str, Any]],
) -> list[_Signal]:
    signals: list[_Signal] = []
    for q_index, q in enumerate(spec.questions.values()):
        if not q.applies_to(offer_type):
            continue  # not asked: contributes nothing
        if q.code == Q_EXPERIENCE:
            for i_index, item in enumerate(q.items):
                area = areas_by_item.get(item.code)
                if area is None or not item.topics:
                    continue
                strength = AREA_STRENGTH[area["band"]]
                if strength:
                    text = _area_text(area["label"], area["band"], area["score"])
                    signals.append(_Signal((q_index, i_index), strength, item.topics, text))
        elif q.code in BARRIER_GROUPS or q.code == Q_NEEDS:
            strengths = NEED_STRENGTH if q.code == Q_NEEDS else BARRIER_STRENGTH
            text_for = _need_text if q.code == Q_NEEDS else _barrier_text
            for i_index, item in enumerate(q.items):
                value = _int(answers.get(item.key))
                strength = strengths.get(value, 0) if value is not None else 0
                if strength and item.topics:
                    text = text_for(_item_label(item, answers), value, q.cepal)
                    signals.append(_Signal((q_index, i_index), strength, item.topics, text))
        elif q.is_single or q.is_multiple:
            chosen = _chosen(answers, q.code)
            for o_index, option in enumerate(q.options):
                if option.code in chosen and option.topics:
                    text = _("Eligió «%(option)s» (pregunta %(number)s).") % {
                        "option": option.label,
                        "number": q.cepal,
                    }
                    signals.append(
                        _Signal((q_index, o_index), OPTION_STRENGTH, option.topics, text)
                    )
    return signals


def _asked_topics(spec: QuestionnaireSpec, answers: Mapping[str, Any]) -> set[str]:
    """Topics the firm asked training for: carried by a q23 item answered 1 or 2."""
    asked: set[str] = set()
    for item, value in _rated_items(spec.questions.get(Q_NEEDS), answers):
        if value in (1, 2):
            asked.update(item.topics)
    return asked


def _mastered(
    spec: QuestionnaireSpec,
    answers: Mapping[str, Any],
    areas_by_item: Mapping[str, Mapping[str, Any]],
    goods: bool,
) -> set[str]:
    def strong(item_code: str) -> bool:
        area = areas_by_item.get(item_code)
        return area is not None and area["score"] >= MASTERED_SCORE

    def any_barrier(code: str) -> bool:
        return any(
            value in BARRIER_VALUES for _i, value in _rated_items(spec.questions.get(code), answers)
        )

    online_sales = answers.get(Q_ONLINE_SALES)
    rules = {
        "marketplaces": online_sales in ("marketplace", "both") and strong("digital_sales"),
        "tienda_propia": online_sales in ("own_store", "both") and strong("digital_sales"),
        "redes_sociales": len(_chosen(answers, Q_PROMOTION) & SOCIAL_NETWORKS) >= 2
        and strong("digital_marketing"),
        "marketing_digital": strong("digital_marketing"),
        "medios_de_pago": bool(_chosen(answers, Q_PAYMENT_METHODS) & CARD_OR_PLATFORM)
        and not any_barrier(Q_PAYMENT_BARRIERS),
        "logistica_envios": goods and strong("logistics") and not any_barrier(Q_LOGISTICS_BARRIERS),
        "devoluciones_posventa": goods
        and answers.get(Q_RETURN_POLICY) == "yes_international"
        and strong("customer_service"),
        "atencion_cliente": strong("customer_service"),
        "analisis_datos": strong("data_analysis"),
        "sistemas_gestion": strong("it_systems")
        and bool(_chosen(answers, Q_TOOLS) & {"erp", "crm"}),
    }
    asked = _asked_topics(spec, answers)
    return {topic for topic, holds in rules.items() if holds and topic not in asked}


def _topic_sort_key(code: str) -> int:
    return TOPIC_ORDER.get(code, len(TOPIC_ORDER))


def _topics(
    spec: QuestionnaireSpec, signals: list[_Signal], mastered: set[str]
) -> list[dict[str, Any]]:
    scores: dict[str, int] = {}
    reasons: dict[str, list[tuple[int, tuple[int, int], str]]] = {}
    for signal in signals:
        for topic, weight in signal.topics.items():
            contribution = signal.strength * weight
            if contribution <= 0:
                continue
            scores[topic] = scores.get(topic, 0) + contribution
            reasons.setdefault(topic, []).append((contribution, signal.order, signal.text))
    ranked = sorted(
        (code for code, score in scores.items() if score > 0 and code not in mastered),
        key=lambda code: (-scores[code], _topic_sort_key(code)),
    )
    return [
        {
            "code": code,
            "label": spec.topic_label(code),
            "score": scores[code],
            "reasons": [
                {"text": text, "contribution": contribution}
                for contribution, _order, text in sorted(reasons[code], key=lambda r: (-r[0], r[1]))
            ],
        }
        for code in ranked
    ]


# --- The result --------------------------------------------------------------------------


def compute_result(
    spec: QuestionnaireSpec, answers: Mapping[str, Any], *, offer_type: str
) -> dict[str, Any]:
    """The full result of a complete response (docs/diagnosis-scale.md, B2–B6).

    Pure and deterministic: the same answers and offer type always give the same dict, which
    is JSON-serialisable and stored as it is on the result.
    """
    goods = is_goods(offer_type)
    conditions = _conditions(answers, goods)
    level_number, reasons, missing = _level_explanation(spec, answers, conditions, goods)
    level = level_info(level_number)
    areas, areas_by_item = _areas(spec, answers)
    signals = _signals(spec, answers, offer_type, areas_by_item)
    mastered = _mastered(spec, answers, areas_by_item, goods)
    needs_q = spec.questions.get(Q_NEEDS)
    return {
        "rules": RULES_VERSION,
        "level": level.number,
        "level_code": level.code,
        "level_name": _(level.name),
        "level_description": _(level.description),
        "reasons": reasons,
        "missing": missing,
        "areas": areas,
        "barriers": _barriers(spec, answers, offer_type),
        "needs": _rated_list(needs_q, answers, (1, 2), with_value=True),
        "implementation_support": _rated_list(needs_q, answers, (3,), with_value=False),
        "support": _rated_list(spec.questions.get(Q_SUPPORT), answers, (1, 2), with_value=True),
        "topics": _topics(spec, signals, mastered),
        "mastered": [
            {"code": code, "label": spec.topic_label(code)}
            for code in sorted(mastered, key=_topic_sort_key)
        ],
    }
