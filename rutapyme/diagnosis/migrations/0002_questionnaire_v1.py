"""Publish version 1 of the questionnaire (content/diagnosis/questionnaire-v1.json).

A fresh install has the questionnaire; later versions get their own migration. Rewording that
keeps the meaning may reload a version's text (docs/diagnosis-scale.md, B9), so this is an
update_or_create, and reversing it removes nothing that diagnoses point at.
"""

import json
from pathlib import Path

from django.conf import settings
from django.db import migrations

RULES_VERSION = "maturity-v1"


def publish_v1(apps, schema_editor):
    Questionnaire = apps.get_model("diagnosis", "Questionnaire")
    path = Path(settings.BASE_DIR) / "content" / "diagnosis" / "questionnaire-v1.json"
    definition = json.loads(path.read_text(encoding="utf-8"))
    Questionnaire.objects.filter(code=definition["code"]).update(is_current=False)
    Questionnaire.objects.update_or_create(
        code=definition["code"],
        version=definition["version"],
        defaults={
            "title": definition["title"],
            "definition": definition,
            "rules_version": RULES_VERSION,
            "is_current": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("diagnosis", "0001_initial")]

    operations = [migrations.RunPython(publish_v1, migrations.RunPython.noop)]
