"""Actions with side effects. Admin, commands and the importers call these, never the models directly.

editorial: the one write path for articles and its workflow steps; imports:
plain-text imports; live: live coverage and its updates; images: the image library; galleries:
photo galleries; reads: "Terpopuler" counts.
"""

from ..workflow import live_may_change, live_may_publish, live_may_write
from .editorial import (
    ArticleConflict,
    WorkflowError,
    article_mark_updated,
    article_preview_revoke,
    article_publish,
    article_record_publication,
    article_restore_version,
    article_return,
    article_save,
    article_schedule,
    article_set_featured,
    article_submit,
    article_transition,
    article_unpublish,
    article_withdraw,
)
from .galleries import (
    PhotoEdit,
    gallery_cover_apply,
    gallery_image_changed,
    gallery_photo_add,
    gallery_photos_order,
    gallery_save,
)
from .images import inline_image_save
from .imports import (
    ImportPreview,
    ImportResult,
    article_import_slug,
    author_get_or_create,
    import_article_data,
    import_article_files,
    import_article_preview,
)
from .live import (
    live_coverage_end,
    live_coverage_start,
    live_update_add,
    live_update_edit,
    live_update_publish,
    live_update_remove,
)
from .reads import article_count_first_read, article_count_read, read_counts_prune, reader_over_rate_limit

__all__ = [
    "ArticleConflict",
    "ImportPreview",
    "ImportResult",
    "PhotoEdit",
    "WorkflowError",
    "article_count_first_read",
    "live_coverage_end",
    "live_coverage_start",
    "live_may_change",
    "live_may_publish",
    "live_may_write",
    "live_update_add",
    "live_update_edit",
    "live_update_publish",
    "live_update_remove",
    "article_count_read",
    "article_import_slug",
    "article_mark_updated",
    "article_preview_revoke",
    "article_publish",
    "article_record_publication",
    "article_restore_version",
    "article_return",
    "article_save",
    "article_schedule",
    "article_set_featured",
    "article_submit",
    "article_transition",
    "article_unpublish",
    "article_withdraw",
    "author_get_or_create",
    "gallery_cover_apply",
    "gallery_image_changed",
    "gallery_photo_add",
    "gallery_photos_order",
    "gallery_save",
    "import_article_data",
    "import_article_files",
    "import_article_preview",
    "inline_image_save",
    "read_counts_prune",
    "reader_over_rate_limit",
]
