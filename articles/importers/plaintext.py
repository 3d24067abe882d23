"""Plain-text articles in the seed's format, turned into a headline, body HTML and credits.

Pure parsing, no database: services.imports.import_article_files() does the writing.
The rules are SPEC 5 ("Import"): first line headline, "Daftar isi" dropped,
short unpunctuated lines followed by a paragraph become H2, trailing credit
lines set the credits, promotional boilerplate goes, everything else is a
paragraph or a list item. Text is text: every character is escaped.
"""

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext as _

from ..models import Article, Credit

HEADLINE_MAX_LENGTH = Article._meta.get_field("headline").max_length
# A first line longer than this is a lead paragraph, not a headline (the file lacks one).
HEADLINE_MAX_WORDS = 25
# "About a dozen words or fewer" (SPEC 5): longer lines are paragraphs even without a full stop.
HEADING_MAX_WORDS = 12
# A text article is kilobytes; anything near this size is not one.
MAX_FILE_SIZE = 5 * 1024 * 1024
# Share of control characters above which decoded "text" is really binary data.
MAX_CONTROL_SHARE = 0.1

# A line ending in one of these ends a sentence, so it is never a subheading.
# The closing quotation marks cover quoted speech: “Kami siap,” katanya. / “Apa kabar?”
SENTENCE_ENDINGS = (".", "!", "…", ":", ";", ",", "”", '"', "’", "'", "»", "›")

TOC_RE = re.compile(r"^(daftar\s+isi|table\s+of\s+contents)\s*:?$", re.IGNORECASE)
BULLET_RE = re.compile(r"^(?:[-*]\s+|•\s*)(?P<text>\S.*)$")
NUMBERED_RE = re.compile(r"^(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$")
# Zero-width and control characters that are not line breaks or spaces (str.split() handles those).
INVISIBLE_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200b\u2060\ufeff]")

# Credit labels as Indonesian (and English) bylines write them, longest first so
# "Pewarta Foto" wins over "Pewarta".
CREDIT_LABELS = {
    "pewarta foto": Credit.Role.PHOTOGRAPHER,
    "ditulis oleh": Credit.Role.WRITER,
    "penulis": Credit.Role.WRITER,
    "writer": Credit.Role.WRITER,
    "author": Credit.Role.WRITER,
    "reporter": Credit.Role.REPORTER,
    "pewarta": Credit.Role.REPORTER,
    "wartawan": Credit.Role.REPORTER,
    "editor": Credit.Role.EDITOR,
    "redaktur": Credit.Role.EDITOR,
    "penyunting": Credit.Role.EDITOR,
    "fotografer": Credit.Role.PHOTOGRAPHER,
    "photographer": Credit.Role.PHOTOGRAPHER,
    "foto": Credit.Role.PHOTOGRAPHER,
    "photo": Credit.Role.PHOTOGRAPHER,
    "kontributor": Credit.Role.CONTRIBUTOR,
    "contributor": Credit.Role.CONTRIBUTOR,
}
# "FOTO: Banjir Rendam Jakarta" is a common headline form, so these alone don't disqualify a first line.
HEADLINE_SAFE_LABELS = frozenset({"foto", "photo"})
_LABELS = "|".join(label.replace(" ", r"\s+") for label in sorted(CREDIT_LABELS, key=len, reverse=True))
# A label at the start of a segment or after a comma: "Penulis: A, B, Editor: C".
CREDIT_LABEL_RE = re.compile(rf"(?:^|,\s*)(?P<label>{_LABELS})\s*:\s*", re.IGNORECASE)
CREDIT_SEGMENT_SEPARATOR_RE = re.compile(r"\s*[|;]\s*|\s+/\s+")
CREDIT_NAME_SEPARATOR_RE = re.compile(r"\s*(?:,|&|\bdan\b|\band\b)\s*", re.IGNORECASE)
CREDIT_NAME_MAX_WORDS = 6
CREDIT_NAME_MAX_LENGTH = 120  # Author.name


class ImportFileError(ValueError):
    """A file cannot be imported; the message names the file and the problem."""


@dataclass
class ParsedArticle:
    headline: str
    body_html: str
    # (Credit.Role value, name) in the order the file gives them.
    credits: list[tuple[str, str]] = field(default_factory=list)
    # Lines dropped as "Daftar isi" or boilerplate, for reporting.
    stripped_lines: list[str] = field(default_factory=list)


def decode_article_file(data: bytes, *, name: str) -> str:
    """Return the file's text, or raise ImportFileError if it is not a non-empty UTF-8 text file."""
    if not data:
        raise ImportFileError(_("%(name)s: the file is empty.") % {"name": name})
    if len(data) > MAX_FILE_SIZE:
        raise ImportFileError(
            _("%(name)s: the file is too large for an article (%(size)d bytes, at most %(max)d).")
            % {"name": name, "size": len(data), "max": MAX_FILE_SIZE}
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(_("%(name)s: the file is UTF-16 text; save it as UTF-8.") % {"name": name})
    if b"\x00" in data:
        raise ImportFileError(_("%(name)s: this is a binary file, not plain text.") % {"name": name})
    try:
        # utf-8-sig accepts (and drops) the BOM some editors write; errors stay strict.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("%(name)s: the file is not valid UTF-8 (byte 0x%(byte)02x on line %(line)d); save it as UTF-8.")
            % {"name": name, "byte": data[error.start], "line": data[: error.start].count(b"\n") + 1}
        ) from error
    if not text:
        raise ImportFileError(_("%(name)s: the file is empty.") % {"name": name})
    if not text.strip():
        raise ImportFileError(_("%(name)s: the file contains only whitespace.") % {"name": name})
    controls = sum(1 for char in text if (char < " " and char not in "\t\n\r\f\v") or char == "\x7f")
    if controls > len(text) * MAX_CONTROL_SHARE:
        raise ImportFileError(_("%(name)s: this is a binary file, not plain text.") % {"name": name})
    return text


def parse_article(text: str, *, name: str = "article", boilerplate_patterns=None) -> ParsedArticle:
    """Parse an article in the seed's plain-text format; raise ImportFileError if it has no headline or body.

    boilerplate_patterns defaults to settings.ARTICLES_IMPORT_BOILERPLATE_PATTERNS.
    """
    if boilerplate_patterns is None:
        boilerplate_patterns = settings.ARTICLES_IMPORT_BOILERPLATE_PATTERNS
    boilerplate = compile_patterns(tuple(boilerplate_patterns))

    lines = clean_lines(text)
    if not lines:
        raise ImportFileError(_("%(name)s: the file contains only whitespace.") % {"name": name})
    headline, rest = lines[0], lines[1:]
    check_headline(headline, name=name, boilerplate=boilerplate)

    kept, stripped = [], []
    after_toc = False
    for index, line in enumerate(rest):
        if TOC_RE.match(line) or is_boilerplate(line, boilerplate):
            stripped.append(line)
            after_toc = after_toc or bool(TOC_RE.match(line))
            continue
        # A pasted table of contents repeats the subheadings that follow; the site builds its own.
        if after_toc and is_toc_entry(line, rest[index + 1 :]):
            stripped.append(line)
            continue
        after_toc = False
        kept.append(line)

    credit_groups = []
    while kept and (credits := parse_credit_line(kept[-1])) is not None:
        credit_groups.insert(0, credits)
        kept.pop()
    if not kept:
        raise ImportFileError(_("%(name)s: there is no article text after the headline.") % {"name": name})

    return ParsedArticle(
        headline=headline,
        body_html=body_html(kept),
        credits=[(role.value, person) for credits in credit_groups for _label, role, person in credits],
        stripped_lines=stripped,
    )


@lru_cache(maxsize=8)
def compile_patterns(patterns):
    return [re.compile(pattern, re.IGNORECASE) for pattern in patterns]


def is_boilerplate(line, compiled_patterns):
    return any(pattern.search(line) for pattern in compiled_patterns)


def clean_lines(text):
    """Return the non-blank lines with invisible characters removed and inner whitespace collapsed."""
    cleaned = (" ".join(INVISIBLE_RE.sub("", raw).split()) for raw in text.splitlines())
    return [line for line in cleaned if line]


def check_headline(line, *, name, boilerplate):
    problem = None
    words = len(line.split())
    if TOC_RE.match(line):
        problem = _("the first line is “%(line)s”, not a headline") % {"line": line}
    elif is_boilerplate(line, boilerplate):
        problem = _("the first line is promotional boilerplate (“%(line)s”), not a headline") % {"line": line}
    elif (credits := parse_credit_line(line)) and any(
        label not in HEADLINE_SAFE_LABELS for label, _role, _person in credits
    ):
        problem = _("the first line is a credit line (“%(line)s”), not a headline") % {"line": line}
    elif len(line) > HEADLINE_MAX_LENGTH:
        problem = _("the first line is too long for a headline (%(length)d characters, at most %(max)d)") % {
            "length": len(line),
            "max": HEADLINE_MAX_LENGTH,
        }
    elif words > HEADLINE_MAX_WORDS or (
        words > HEADING_MAX_WORDS and line.endswith(".") and not line.endswith("..")
    ):
        problem = _("the first line reads like a paragraph (%(words)d words), not a headline") % {
            "words": words
        }
    if problem:
        raise ImportFileError(_("%(name)s: no headline: %(problem)s.") % {"name": name, "problem": problem})


def is_toc_entry(line, later_lines):
    """Return True if line could be a subheading and recurs later, list marker and case aside."""
    text = without_list_marker(line)
    key = text.casefold()
    return is_short_line(text) and any(without_list_marker(later).casefold() == key for later in later_lines)


def without_list_marker(line):
    match = BULLET_RE.match(line) or NUMBERED_RE.match(line)
    return match["text"] if match else line


def parse_credit_line(line):
    """Return [(label, role, name)] if the whole line is credits ("Penulis: A, B | Editor: C"), else None."""
    line = line.strip()
    if line[:1] in "([" and line[-1:] in ")]":
        line = line[1:-1].strip()  # "(Penulis: A / Editor: B)"
    credits = []
    for segment in CREDIT_SEGMENT_SEPARATOR_RE.split(line):
        labels = list(CREDIT_LABEL_RE.finditer(segment))
        if not labels or labels[0].start() != 0:
            return None
        for match, following in zip(labels, labels[1:] + [None], strict=True):
            label = " ".join(match["label"].casefold().split())
            names = segment[match.end() : following.start() if following else len(segment)]
            people = [person.strip(" .;") for person in CREDIT_NAME_SEPARATOR_RE.split(names)]
            if not people or not all(is_person_name(person) for person in people):
                return None
            credits.extend((label, CREDIT_LABELS[label], person) for person in people)
    return credits or None


def is_person_name(text):
    return (
        bool(text)
        and ":" not in text
        and len(text) <= CREDIT_NAME_MAX_LENGTH
        and len(text.split()) <= CREDIT_NAME_MAX_WORDS
        and any(char.isalpha() for char in text)
    )


def is_list_item(line):
    return bool(BULLET_RE.match(line) or NUMBERED_RE.match(line))


def is_short_line(line):
    """Return True for a line that may be a subheading: short, not a sentence, not a list item."""
    return (
        len(line.split()) <= HEADING_MAX_WORDS
        and not line.endswith(SENTENCE_ENDINGS)
        and not is_list_item(line)
        # Separators such as "***" are not headings.
        and any(char.isalpha() for char in line)
        # "Editor: Rina" above the end is a stray credit, not a subheading.
        and parse_credit_line(line) is None
    )


def body_html(lines):
    blocks = []
    open_list = None  # "ul" or "ol" while consecutive list items are being grouped
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        bullet, numbered = BULLET_RE.match(line), NUMBERED_RE.match(line)
        list_tag = "ul" if bullet else "ol" if numbered else None
        if open_list and list_tag != open_list:
            blocks.append(f"</{open_list}>")
            open_list = None
        if list_tag:
            if open_list is None:
                start = int(numbered["number"]) if numbered else 1
                blocks.append(f'<ol start="{start}">' if start != 1 else f"<{list_tag}>")
                open_list = list_tag
            blocks.append(f"<li>{escape((bullet or numbered)['text'])}</li>")
        elif is_short_line(line) and following is not None and not is_short_line(following):
            blocks.append(f"<h2>{escape(line)}</h2>")
        else:
            blocks.append(f"<p>{escape(line)}</p>")
    if open_list:
        blocks.append(f"</{open_list}>")
    return "\n".join(blocks)
