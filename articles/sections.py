"""The section tree, loaded in one query and shared by everything in a request."""

from dataclasses import dataclass, field

from pagecache import cached_fragment

from .models import Section


@dataclass
class SectionTree:
    by_id: dict = field(default_factory=dict)
    by_slug: dict = field(default_factory=dict)
    roots: list = field(default_factory=list)

    @property
    def navigation(self):
        return [section for section in self.roots if section.is_in_navigation]


def load_section_tree():
    tree = SectionTree()
    sections = list(Section.objects.all())
    for section in sections:
        section.children_list = []
        tree.by_id[section.pk] = section
        tree.by_slug[section.slug] = section
    for section in sections:
        if section.parent_id:
            parent = tree.by_id[section.parent_id]
            # Reuse the loaded parent so ancestors() and get_absolute_url() cost no query.
            section.parent = parent
            parent.children_list.append(section)
        else:
            tree.roots.append(section)
    return tree


def section_tree(request=None):
    """Return the section tree, memoized on the request when there is one."""
    if request is None:
        return load_section_tree()
    if not hasattr(request, "_section_tree"):
        # Untagged: kept until the chrome (a section edit) or a listing changes.
        request._section_tree = cached_fragment(request, "sections", load_section_tree)
    return request._section_tree
