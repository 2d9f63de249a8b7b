"""What the demo programme "Ecuador vende en línea" is made of (seed_demo_programmes).

Data only: the programme's rules, its three cohorts, their live sessions, the reasons firms
give when they decline or leave, and the milestones a few of them report. Dates are offsets in
days from the day the demo is loaded, so the demo always has a finished, a running and an
open cohort; a cohort's name carries the year it starts in.
"""

from dataclasses import dataclass
from decimal import Decimal

from rutapyme.firms.models import OfferType, Sector

from .models import Outcome

PROGRAMME_NAME = "Ecuador vende en línea"
PROGRAMME_DESCRIPTION = (
    "Capacitación gratuita en comercio electrónico para mipymes ecuatorianas que venden "
    "productos, del Ministerio de Producción con Mercado Libre, las cámaras y los gremios: "
    "canales de venta, publicaciones, medios de pago, logística, marketing y exportación."
)
OFFER_TYPES = [OfferType.PRODUCTS.value, OfferType.BOTH.value]
PRIORITY_SECTORS = [Sector.ARTESANIAS.value, Sector.TEXTIL.value, Sector.ALIMENTOS.value]
# Keys of firms.demo_data.ORGANISATIONS: the marketplace, the chambers and the guild.
PARTNER_KEYS = ["mercadolibre", "ccq", "ccg", "capia"]
TIME_ZONE = "America/Guayaquil"


@dataclass(frozen=True)
class CohortPlan:
    number: int
    starts_in: int  # days from today (negative: in the past)
    ends_in: int
    capacity: int
    invited_before_start: int  # the invitations went out this many days before the start
    invite: int  # firms invited, the named ones included
    join_share: float  # of the invited firms with an account, those that joined
    decline: int  # invited firms that said no from their link
    drop: int  # joined firms that left
    complete: int  # joined firms that finish every course of the cohort (P1 only)


COHORTS = [
    CohortPlan(1, -120, -14, 40, 30, 45, 0.8, 4, 3, 4),
    CohortPlan(2, -28, 60, 45, 21, 50, 0.75, 3, 2, 0),
    # Open, with few places: firms that join once they are taken wait on the list.
    CohortPlan(3, 50, 140, 8, 57, 28, 0.8, 2, 0, 0),
]

# The named demo firms (seed_demo.NAMED_FIRMS): cohort number and what happens to them.
NAMED_ENROLMENTS = {
    # Jorge (empresa@) follows courses already: active in the running cohort.
    "Artesanías Chordeleg": (2, "join"),
    # Lucía (socia@) has not started a course: joined, not active yet.
    "Calzado Andino": (2, "join"),
    # Its owner finished every course of the first cohort; Lucía is its staff member.
    "Chocolates del Pacífico": (1, "complete"),
    # María (maria.quishpe@) has an invitation to answer.
    "Tejidos Sumak Otavalo": (3, "invite"),
}

DECLINE_REASONS = [
    "No tenemos tiempo en estas fechas; nos interesa la próxima promoción.",
    "Ya vendemos en línea con otra plataforma.",
    "La persona encargada está de viaje.",
    "",
]
DROP_REASONS = [
    "Cerramos el local por unos meses.",
    "No podemos asistir a las sesiones en horario de trabajo.",
    "Cambio de dueño de la empresa.",
]


@dataclass(frozen=True)
class SessionPlan:
    cohort: int
    day: int  # days from the cohort's start
    hour: int
    minute: int
    title: str
    teacher: str
    place: str = ""  # in person; otherwise online
    duration: int = 90
    consultant: bool = False  # taught by the demo consultant, who takes the attendance


SESSIONS = [
    SessionPlan(1, 2, 10, 0, "Bienvenida y ruta del programa", "Gabriela Andrade Paredes"),
    SessionPlan(1, 16, 15, 0, "Cómo publicar en Mercado Libre", "Ana Lucía Torres",
                place="Cámara de Comercio de Quito, sala 3, Quito"),
    SessionPlan(1, 37, 18, 30, "Medios de pago y cobros seguros", "Patricia Ordóñez Vintimilla",
                consultant=True),
    SessionPlan(1, 72, 10, 0, "Envíos nacionales y a Colombia", "Marco Cedeño Loor",
                place="Cámara de Comercio de Guayaquil, auditorio, Guayaquil", duration=120),
    SessionPlan(2, 3, 10, 0, "Bienvenida y ruta del programa", "Gabriela Andrade Paredes"),
    SessionPlan(2, 17, 18, 30, "Logística: empaques y guías de envío",
                "Patricia Ordóñez Vintimilla", consultant=True),
    SessionPlan(2, 38, 15, 0, "Fotos de producto con el celular", "Ana Lucía Torres",
                place="Cámara de la Pequeña Industria del Azuay, Cuenca", duration=120),
    SessionPlan(2, 59, 18, 30, "Atención al cliente por WhatsApp", "Marco Cedeño Loor"),
    SessionPlan(3, 1, 10, 0, "Bienvenida y ruta del programa", "Gabriela Andrade Paredes"),
    SessionPlan(3, 15, 18, 30, "Precios para vender fuera del país",
                "Patricia Ordóñez Vintimilla", consultant=True),
]  # fmt: skip
ATTENDANCE_SHARE = (0.6, 0.9)  # of the joined firms, present at a session


@dataclass(frozen=True)
class OutcomePlan:
    firm: str  # a named firm's trade name, or "" for a firm of `cohort` that is learning
    cohort: int
    kind: str
    days_ago: int
    channel: str
    channel_detail: str = ""
    destination_country: str = ""
    amount: Decimal | None = None


OUTCOMES = [
    OutcomePlan("Artesanías Chordeleg", 2, Outcome.Kind.FIRST_MARKETPLACE_SALE, 12,
                Outcome.Channel.MARKETPLACE, "Mercado Libre", amount=Decimal("45.00")),
    OutcomePlan("Chocolates del Pacífico", 1, Outcome.Kind.FIRST_ONLINE_SALE, 60,
                Outcome.Channel.OWN_SITE, "Tienda en su página web", amount=Decimal("120.00")),
    OutcomePlan("Chocolates del Pacífico", 1, Outcome.Kind.FIRST_EXPORT, 25,
                Outcome.Channel.MARKETPLACE, "Amazon", "US", Decimal("3400.00")),
    OutcomePlan("", 1, Outcome.Kind.FIRST_EXPORT, 30, Outcome.Channel.MARKETPLACE,
                "Mercado Libre Colombia", "CO", Decimal("1250.00")),
    OutcomePlan("", 1, Outcome.Kind.FIRST_ONLINE_SALE, 41, Outcome.Channel.SOCIAL,
                "WhatsApp Business", amount=Decimal("32.50")),
    OutcomePlan("", 2, Outcome.Kind.FIRST_ONLINE_SALE, 6, Outcome.Channel.SOCIAL, "Instagram"),
]  # fmt: skip
