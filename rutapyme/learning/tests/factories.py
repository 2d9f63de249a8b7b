"""Courses and learners for the learning tests, built through the services' own models."""

from decimal import Decimal

from rutapyme.accounts.tests.factories import UserFactory
from rutapyme.firms.tests.factories import FirmFactory, FirmMembershipFactory
from rutapyme.learning import services
from rutapyme.learning.models import (
    Choice,
    Course,
    CourseVersion,
    Lesson,
    Module,
    Question,
    Quiz,
)


def make_course(
    slug: str = "curso-prueba",
    *,
    modules: int = 2,
    lessons: int = 2,
    topics: tuple[str, ...] = ("medios_de_pago",),
    publish: bool = True,
    position: int = 50,
) -> Course:
    """A course whose every module has `lessons` lessons and a two-question quiz:
    q1 single choice (right answer "a"), q2 numeric (3.5 ± 0.01)."""
    course = Course.objects.create(slug=slug, position=position)
    version = CourseVersion.objects.create(
        course=course, number=1, title=f"Curso {slug}", summary="Un curso de prueba.",
        hours=Decimal("2.5"), level=CourseVersion.Level.INICIAL,
    )  # fmt: skip
    for m in range(1, modules + 1):
        module = Module.objects.create(
            version=version, position=m, slug=f"modulo-{m}", title=f"Módulo {m}",
            topics=list(topics),
        )  # fmt: skip
        for n in range(1, lessons + 1):
            Lesson.objects.create(
                version=version, module=module, position=n, slug=f"m{m}-leccion-{n}",
                title=f"Lección {m}.{n}", body=f"## Lección {m}.{n}\n\nTexto.\n", minutes=5,
            )  # fmt: skip
        quiz = Quiz.objects.create(module=module, pass_mark=70, max_attempts=3)
        single = Question.objects.create(
            quiz=quiz, position=1, code="q1", kind=Question.Kind.SINGLE, text="¿Cuál?",
            feedback_correct="Bien.", feedback_wrong="Repase.",
        )  # fmt: skip
        Choice.objects.create(question=single, position=1, code="a", text="La buena",
                              is_correct=True, feedback="Es la buena.")  # fmt: skip
        Choice.objects.create(question=single, position=2, code="b", text="La mala",
                              feedback="No es esta.")  # fmt: skip
        Question.objects.create(
            quiz=quiz, position=2, code="q2", kind=Question.Kind.NUMERIC, text="¿Cuánto?",
            answer=Decimal("3.5"), tolerance=Decimal("0.01"),
        )  # fmt: skip
    if publish:
        services.version_publish(version=version)
        course.refresh_from_db()
    return course


def learner(firm=None, **user_fields):
    """A firm member (and the firm): the person who learns."""
    user = UserFactory(**user_fields)
    firm = firm or FirmFactory()
    FirmMembershipFactory(firm=firm, user=user)
    return user, firm


RIGHT = {"q_q1": "a", "q_q2": "3,5"}
WRONG = {"q_q1": "b", "q_q2": "9"}
