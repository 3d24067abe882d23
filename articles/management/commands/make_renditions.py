from django.core.management.base import BaseCommand

from articles.models import Article, InlineImage
from articles.tasks import lead_image_renditions, library_image_renditions, renditions_current


class Command(BaseCommand):
    help = (
        "Make the renditions (AVIF, WebP and a fallback, in the original shape and cut to 16:9, 4:3 and "
        "1:1 around the focal point) of every lead image and library image that lacks them: after "
        "upgrading from a version without crops, or after images arrived in bulk. Files already made "
        "are reused; safe to stop and run again."
    )

    def handle(self, *args, verbosity=1, **options):
        made = {"lead images": 0, "library images": 0}
        rows = (
            Article.objects.exclude(lead_image="")
            .values_list(
                "pk", "lead_image", "lead_image_focal_x", "lead_image_focal_y", "lead_image_renditions"
            )
            .order_by("pk")
        )
        for pk, name, focal_x, focal_y, renditions in rows.iterator(chunk_size=2000):
            if not renditions_current(renditions, name, (focal_x, focal_y)):
                made["lead images"] += lead_image_renditions.call(pk)
                self.progress(verbosity, made)
        rows = InlineImage.objects.values_list("pk", "image", "focal_x", "focal_y", "renditions").order_by(
            "pk"
        )
        for pk, name, focal_x, focal_y, renditions in rows.iterator(chunk_size=2000):
            if not renditions_current(renditions, name, (focal_x, focal_y)):
                made["library images"] += library_image_renditions.call(pk)
                self.progress(verbosity, made)
        self.stdout.write(
            self.style.SUCCESS(
                f"Made the renditions of {made['lead images']} lead images "
                f"and {made['library images']} library images."
            )
        )

    def progress(self, verbosity, made):
        if verbosity > 1 and sum(made.values()) % 100 == 0:
            self.stdout.write(f"  {made['lead images']} lead images, {made['library images']} library images")
