"""Publish the starter curriculum of content/curriculum/ (7 courses in Spanish).

A fresh install has the courses. Later changes to the files are loaded by
`manage.py load_curriculum`, which publishes each course whose version number went up.
Reversing removes nothing: progress and certificates point at these versions.
"""

from django.db import migrations


def publish_curriculum(apps, schema_editor):
    from rutapyme.learning.curriculum import load_curriculum

    load_curriculum(lambda name: apps.get_model("learning", name))


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [migrations.RunPython(publish_curriculum, migrations.RunPython.noop)]
