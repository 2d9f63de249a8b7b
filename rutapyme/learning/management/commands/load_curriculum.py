from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from rutapyme.learning.curriculum import CURRICULUM_DIR, load_curriculum
from rutapyme.learning.selectors import catalogue_changed


class Command(BaseCommand):
    help = (
        "Publish the courses of content/curriculum/ whose version number is not loaded yet "
        '(a course.json whose "version" went up becomes the published version).'
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            loaded = load_curriculum(lambda name: apps.get_model("learning", name))
        catalogue_changed()
        for version in loaded:
            self.stdout.write(f"Published {version.course.slug} v{version.number}")
        if not loaded:
            self.stdout.write(f"Nothing new in {CURRICULUM_DIR}")
