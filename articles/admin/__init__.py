"""The editors' side. Each module registers the admin of one subject.

article: the article admin, built from the workflow, history and importing
mixins; content: sections, authors and static pages; images: the image
library; filters and inlines: parts of the article admin.
"""

from . import article, content, images
from . import embeds as embeds

__all__ = ["article", "content", "images"]
