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
# A phrase (any dashes before it), or a word.
_TOKEN_RE = re.compile(r'(-*)"([^"]*)"?|(\S+)')
# Stripped from both ends of a term: punctuation, and the dashes and operators of tsquery syntax.
_TERM_EDGES = "\"'.,;:!?()[]{}<>&|-*"
# Characters websearch_to_tsquery reads as syntax inside an unquoted word.
_OPERATOR_RE = re.compile(r"[-!&|()<\\']")


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


def _tokens(query):
    """Yield the query's tokens in order: ("or", None, None) or ("term", negated, term).

    A run of dashes before a word or phrase is one exclusion; a lone dash, an
    empty phrase and punctuation with no word in it are dropped.
    """
    for match in _TOKEN_RE.finditer(query):
        dashes, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            negated, term = bool(dashes), SPACE_RE.sub(" ", phrase).strip()
        elif word.upper() == "OR":
            yield "or", None, None
            continue
        else:
            negated = word.startswith("-")
            # websearch_to_tsquery reads '"' inside a word as the start of a phrase.
            term = SPACE_RE.sub(" ", word.replace('"', " ")).strip()
        term = term.strip(_TERM_EDGES)
        if term:
            yield "term", negated, term


def parse_query(query):
    """Parse websearch syntax the way the PostgreSQL search reads it (for the SQLite fallback)."""
    groups, excluded, current = [], [], []
    for kind, negated, term in _tokens(query):
        if kind == "or":
            if current:
                groups.append(current)
            current = []
        else:
            (excluded if negated else current).append(term)
    if current:
        groups.append(current)
    return ParsedQuery(groups=groups, excluded=excluded)


def _websearch_term(term):
    # Quoted, a word's dashes and operator characters are only text: "(-(-(-a" would
    # otherwise nest a NOT per dash and overflow PostgreSQL's tsquery stack (32).
    return f'"{term}"' if " " in term or _OPERATOR_RE.search(term) else term


def websearch_query(query):
    """Return query rewritten in plain websearch syntax that PostgreSQL always parses.

    Words, "phrases", OR and -exclusions keep their meaning and order; at most
    one NOT precedes each term and every OR stands between two terms, so no
    input nests operators deep enough for websearch_to_tsquery to fail
    ("tsquery stack too small").
    """
    parts = []
    for kind, negated, term in _tokens(query):
        if kind == "or":
            if parts and parts[-1] != "OR":
                parts.append("OR")
        else:
            parts.append(("-" if negated else "") + _websearch_term(term))
    if parts and parts[-1] == "OR":
        parts.pop()
    return " ".join(parts)


def positive_query(query):
    """Return query without its -exclusions, in websearch syntax.

    ts_rank scores a query with a negation (a & !b) as 0, so ranking uses
    the wanted words only; matching still uses the whole query.
    """
    groups = parse_query(query).groups
    return " OR ".join(" ".join(_websearch_term(term) for term in group) for group in groups)
