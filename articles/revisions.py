"""Reading an article's history (django-reversion versions): lists, and readable diffs between two.

Writes (saving, restoring) live in services.py.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from .html import BLOCK_END_RE, TAG_RE, text_of
from .models import Article

# Fields compared in the diff view, with their labels, in reading order.
DIFF_FIELDS = [
    ("kicker", _("kicker")),
    ("headline", _("headline")),
    ("dek", _("summary")),
    ("body", _("body")),
]
# Fields whose change is listed (not diffed) per version in the history.
AUDITED_FIELDS = [
    "kicker", "headline", "slug", "dek", "body", "section", "status", "published_at", "updated_at",
    "lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit", "is_featured", "is_pinned",
    "is_breaking", "is_advertorial", "show_toc", "seo_title", "seo_description", "canonical_url",
    "withdrawn_reason",
]  # fmt: skip
HEADING_TAG_RE = re.compile(r"<(h[234])\b[^>]*>", re.IGNORECASE)
LIST_ITEM_RE = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
WORD_RE = re.compile(r"\s+|[^\s]+")


def article_versions(article):
    """Return the article's versions, newest first, with revision and user loaded."""
    return (
        Version.objects.get_for_object(article)
        .select_related("revision", "revision__user")
        .order_by("-revision__date_created", "-pk")
    )


@dataclass
class HistoryEntry:
    version: Version
    number: int  # the Article.version stored in it
    status: str
    changed: list = field(default_factory=list)


def history_entries(versions):
    """Return HistoryEntry per version (newest first), each listing the fields it changed."""
    versions = list(versions)
    entries = []
    labels = {f.name: f.verbose_name for f in Article._meta.get_fields() if hasattr(f, "verbose_name")}
    for index, version in enumerate(versions):
        data = _field_dict(version)
        older = _field_dict(versions[index + 1]) if index + 1 < len(versions) else None
        if older is None:
            changed = [_("created")]
        else:
            changed = [labels.get(name, name) for name in AUDITED_FIELDS if data.get(name) != older.get(name)]
        status = data.get("status", "")
        try:
            status_label = Article.Status(status).label
        except ValueError:
            status_label = status
        entries.append(HistoryEntry(version, data.get("version") or 0, status_label, changed))
    return entries


def _field_dict(version):
    try:
        return version.field_dict
    except Exception:  # A version serialized before a field was renamed or removed.
        import json

        return json.loads(version.serialized_data)[0]["fields"]


def body_lines(body):
    """Return the body as readable lines: one per paragraph, heading or list item, markers kept."""
    marked = HEADING_TAG_RE.sub(lambda m: f"\n{'#' * int(m.group(1)[1])} ", body or "")
    marked = LIST_ITEM_RE.sub("\n• ", marked)
    marked = BLOCK_END_RE.sub("\n", marked)
    marked = re.sub(r"<img\b[^>]*\balt=\"([^\"]*)\"[^>]*>", r"\n[gambar: \1]\n", marked)
    return [line for line in (" ".join(text_of(part).split()) for part in marked.split("\n")) if line]


def text_lines(value):
    return [line for line in (value or "").splitlines() if line.strip()] or ([] if not value else [value])


def diff_lines(old_lines, new_lines):
    """Return rows {"kind", "segments"} for a line diff, with word-level marks in changed lines.

    segments are (kind, text) with kind "equal", "insert" or "delete"; the
    template escapes the text, so editor text is never rendered as HTML.
    """
    rows = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            rows.extend({"kind": "equal", "segments": [("equal", line)]} for line in old_lines[i1:i2])
        elif operation == "delete":
            rows.extend({"kind": "delete", "segments": [("delete", line)]} for line in old_lines[i1:i2])
        elif operation == "insert":
            rows.extend({"kind": "insert", "segments": [("insert", line)]} for line in new_lines[j1:j2])
        else:
            old_block, new_block = old_lines[i1:i2], new_lines[j1:j2]
            for offset in range(max(len(old_block), len(new_block))):
                old_line = old_block[offset] if offset < len(old_block) else None
                new_line = new_block[offset] if offset < len(new_block) else None
                if old_line is None:
                    rows.append({"kind": "insert", "segments": [("insert", new_line)]})
                elif new_line is None:
                    rows.append({"kind": "delete", "segments": [("delete", old_line)]})
                else:
                    rows.append({"kind": "replace", "segments": word_diff(old_line, new_line)})
    return rows


def word_diff(old, new):
    old_words, new_words = WORD_RE.findall(old), WORD_RE.findall(new)
    segments = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            segments.append(("equal", "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("delete", "".join(old_words[i1:i2])))
        if j2 > j1:
            segments.append(("insert", "".join(new_words[j1:j2])))
    return segments


def compare_versions(old_data, new_data):
    """Return [(label, rows, changed)] comparing two field dicts on headline, summary and body."""
    result = []
    for name, label in DIFF_FIELDS:
        if name == "body":
            old_lines, new_lines = body_lines(old_data.get(name)), body_lines(new_data.get(name))
        else:
            old_lines, new_lines = text_lines(old_data.get(name)), text_lines(new_data.get(name))
        rows = diff_lines(old_lines, new_lines)
        result.append((label, rows, any(row["kind"] != "equal" for row in rows)))
    return result


def version_data(version):
    return _field_dict(version)


def strip_tags(value):
    return TAG_RE.sub("", value or "")
