"""The readers' query: cleaned, parsed (web-search syntax) and rewritten for ranking."""

import re
import unicodedata
from dataclasses import dataclass, field

# Longer queries are cut: nobody types more, and it bounds the work per request.
MAX_QUERY_LENGTH = 200
# Private-use characters mark highlights inside text that is escaped afterwards,
# so nothing in an article can inject markup through a search snippet.
START_SEL, STOP_SEL = "\ue000", "\ue001"
SNIPPET_WORDS = 30

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ue000\ue001]")
SPACE_RE = re.compile(r"\s+")
_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def clean_query(value):
    """Return a reader's query made safe to search with: no NUL or control characters, one line, capped."""
    if not value:
        return ""
    # Lone surrogates cannot be encoded for the database; replace them.
    value = value.encode("utf-8", "replace").decode("utf-8")
    value = unicodedata.normalize("NFC", _CONTROL_RE.sub(" ", value))
    return SPACE_RE.sub(" ", value).strip()[:MAX_QUERY_LENGTH].strip()


@dataclass(frozen=True)
class ParsedQuery:
    """A web-search query as groups of alternatives (OR) of required terms, plus excluded terms."""

    groups: list = field(default_factory=list)  # [[term, ...], ...]: any group, all terms in it
    excluded: list = field(default_factory=list)

    @property
    def terms(self):
        return [term for group in self.groups for term in group]


def parse_query(query):
    """Parse websearch syntax the way PostgreSQL's websearch_to_tsquery reads it (for the SQLite fallback)."""
    groups, excluded, current = [], [], []
    for match in _TOKEN_RE.finditer(query):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            term = phrase.strip()
        elif word.upper() == "OR":
            if current:
                groups.append(current)
            current = []
            continue
        elif word.startswith("-") and len(word) > 1:
            negated, term = "-", word[1:]
        else:
            term = word
        term = term.strip("\"'.,;:!?()[]{}")
        if not term:
            continue
        (excluded if negated else current).append(term)
    if current:
        groups.append(current)
    return ParsedQuery(groups=groups, excluded=excluded)


def positive_query(query):
    """Return query without its -exclusions, in websearch syntax.

    ts_rank scores a query with a negation (a & !b) as 0, so ranking uses
    the wanted words only; matching still uses the whole query.
    """
    groups = parse_query(query).groups
    return " OR ".join(
        " ".join(f'"{term}"' if " " in term else term for term in (term.replace('"', "") for term in group))
        for group in groups
    )
