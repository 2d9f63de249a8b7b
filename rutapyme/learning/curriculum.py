"""Load the curriculum shipped in content/curriculum/ (its README is the format).

Used by the data migration that gives a fresh install its courses (with the historical
models) and by `manage.py load_curriculum` after the files change (with the live models).
A course whose version number is already loaded is left as it is; a higher number becomes a
new published version. Keys are derived from the slugs (uuid5), so a lesson that keeps its
slug from one version of the files to the next keeps everyone's progress.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

CURRICULUM_DIR = Path(settings.BASE_DIR) / "content" / "curriculum"
_NAMESPACE = uuid.UUID("0b3c5a52-9a44-4f4e-9d7e-6a1f0c2b7e11")


def stable_key(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, "/".join(parts))


def course_files(directory: Path = CURRICULUM_DIR) -> list[Path]:
    return sorted(directory.glob("*/course.json"))


def read_course(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for module in data["modules"]:
        for lesson in module["lessons"]:
            lesson_path = path.parent / "lessons" / lesson["file"]
            lesson["body"] = lesson_path.read_text(encoding="utf-8").strip() + "\n"
    return data


def load_curriculum(get_model: Callable[[str], type], directory: Path = CURRICULUM_DIR) -> list:
    """Publish every course of `directory` not yet loaded at its version; the new versions."""
    loaded = []
    for path in course_files(directory):
        version = load_course(get_model, read_course(path))
        if version is not None:
            loaded.append(version)
    return loaded


def load_course(get_model: Callable[[str], type], data: dict):
    Course = get_model("Course")
    CourseVersion = get_model("CourseVersion")
    course, _created = Course.objects.get_or_create(
        slug=data["slug"], defaults={"position": data.get("position", 100)}
    )
    if CourseVersion.objects.filter(course=course, number=data["version"]).exists():
        return None
    CourseVersion.objects.filter(course=course, status="published").update(status="archived")
    version = CourseVersion.objects.create(
        course=course,
        number=data["version"],
        status="published",
        title=data["title"],
        summary=data["summary"],
        hours=Decimal(str(data["hours"])),
        level=data["level"],
        language=data.get("language", "es"),
        sources=data.get("sources", []),
        published_at=timezone.now(),
    )
    for position, module in enumerate(data["modules"], start=1):
        _load_module(get_model, version, data["slug"], position, module)
    course.published = version
    course.position = data.get("position", course.position)
    course.save(update_fields=["published", "position"])
    return version


def _load_module(get_model, version, course_slug: str, position: int, data: dict) -> None:
    Module, Lesson, Quiz = get_model("Module"), get_model("Lesson"), get_model("Quiz")
    Question, Choice = get_model("Question"), get_model("Choice")
    module = Module.objects.create(
        version=version,
        key=stable_key(course_slug, data["slug"]),
        position=position,
        slug=data["slug"],
        title=data["title"],
        topics=list(data.get("topics", [])),
    )
    Lesson.objects.bulk_create(
        Lesson(
            version=version,
            module=module,
            key=stable_key(course_slug, data["slug"], lesson["slug"]),
            position=index,
            slug=lesson["slug"],
            title=lesson["title"],
            body=lesson["body"],
            minutes=lesson["minutes"],
            video_url=lesson.get("video_url", ""),
        )
        for index, lesson in enumerate(data["lessons"], start=1)
    )
    quiz_data = data.get("quiz")
    if not quiz_data:
        return
    quiz = Quiz.objects.create(
        module=module,
        key=stable_key(course_slug, data["slug"], "quiz"),
        pass_mark=quiz_data.get("pass_mark", 70),
        max_attempts=quiz_data.get("max_attempts", 3),
    )
    for index, item in enumerate(quiz_data["questions"], start=1):
        answer = item.get("answer")
        question = Question.objects.create(
            quiz=quiz,
            position=index,
            code=item["code"],
            kind=item["kind"],
            text=item["text"],
            answer=None if answer is None else Decimal(str(answer)),
            tolerance=Decimal(str(item.get("tolerance", 0))),
            feedback_correct=item.get("feedback_correct", ""),
            feedback_wrong=item.get("feedback_wrong", ""),
        )
        Choice.objects.bulk_create(
            Choice(
                question=question,
                position=position,
                code=option["code"],
                text=option["text"],
                is_correct=bool(option.get("correct")),
                feedback=option.get("feedback", ""),
            )
            for position, option in enumerate(item.get("options", []), start=1)
        )
