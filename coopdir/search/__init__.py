"""The one search interface of the pages and the API, over both kinds of record.

    search(queryset, query)   -> the queryset narrowed to matches, annotated with
                                 ``search_rank`` (higher is better), best first,
                                 ties broken by name
    search_all(query, querysets, limit=None)
                              -> [(record, rank)] over several kinds, best first
    suggest(query)            -> a corrected query ("did you mean") or ""
    snippet(record, query)    -> HTML: the text that matched, query words in <mark>
    highlight(text, query)    -> HTML: text with the query words in <mark>
                              (both take terms=plan(query), to look the
                              query's words up once for a whole page)
    normalise_query(query)    -> the query as the engine sees it (trimmed, NUL-free)
    facet_counts(queryset, facets)
    cached_count(queryset)    -> queryset.count(), cached until the next write

Ranks are tiers, the same on both engines: 4 an exact name or acronym (any name, in
any script), 3 every word found in the names, 2 every word found somewhere, 1 found
only once a typo is forgiven. The engines (SQLite FTS5, PostgreSQL tsvector) are in
coopdir.search.engine; text analysis in coopdir.search.text. The module imports no app
models at import time, so the apps' filters may use it without an import cycle.
"""

import re

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import engine, text
from .found import Merged

MAX_QUERY_LENGTH = 500
MAX_FUZZY_WORDS = 6
MAX_EXPANSIONS = 32
EXACT, NAME, TEXT, TYPO = 4, 3, 2, 1


def normalise_query(query):
    """Return the query trimmed, with NUL bytes and runs of white space removed."""
    return " ".join(str(query or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]


def plan(query):
    """Return the Terms of query, each with the indexed words one typo away."""
    terms = text.parse(normalise_query(query))
    for term in terms:
        for alternative in term.alternatives:
            last = alternative.tokens[-1]
            if alternative.prefix and len(last) >= text.EXPAND_MIN:
                # [] when no indexed word starts so: the alternative finds nothing.
                alternative.expansions = engine.words_with_prefix(last, MAX_EXPANSIONS)
    wanted = {}
    for term in terms:
        alternative = term.alternatives[0]
        if len(term.alternatives) == 1 and len(alternative.tokens) == 1:
            word = alternative.tokens[0]
            # A few words at most: each costs a vocabulary lookup of ~500 spellings.
            if text.is_fuzzy_word(word) and len(wanted) < MAX_FUZZY_WORDS:
                wanted[id(term)] = (word, text.edits1(word))
    if wanted:
        known = engine.known_words(set().union(*(c for _, c in wanted.values())))
        for term in terms:
            if id(term) in wanted:
                word, candidates = wanted[id(term)]
                term.fuzzy = sorted(
                    c for c in candidates & known if not c.startswith(word)
                )
    return terms


class CodePointOrder(Func):
    """A text column sorted by code point on every engine, so both give one order.

    SQLite compares bytes; PostgreSQL sorts by the database's locale unless told.
    """

    template = "%(expressions)s"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template='(%(expressions)s COLLATE "C")', **extra
        )


def _tier_postgres(model, sql_params):
    """The record's own row of the subquery, found by key (EXISTS).

    An IN (subquery) whose result outgrows work_mem is not hashed but re-run per
    row; a broad word at a million records then takes minutes.
    """
    sql, params = sql_params
    outer = f'"{model._meta.db_table}"."{model._meta.pk.column}"'
    probe = sql.replace(" WHERE ", f" WHERE record_id = {outer} AND ", 1)
    return RawSQL(f"EXISTS ({probe})", params, output_field=BooleanField())


def _in(model, sql_params):
    sql, params = sql_params
    return Q(pk__in=RawSQL(sql, params))


def search(queryset, query):
    """Return the matches of query in queryset, best first, with search_rank."""
    query = normalise_query(query)
    if not query:
        return queryset.annotate(search_rank=Value(0, output_field=IntegerField()))
    terms = plan(query)
    if not terms:
        return queryset.none().annotate(
            search_rank=Value(0, output_field=IntegerField())
        )
    model = queryset.model
    strict = engine.compile_query(terms)
    fuzzy = any(term.fuzzy for term in terms)
    matches = engine.compile_query(terms, fuzzy=True) if fuzzy else strict
    names = engine.compile_query(terms, names_only=True)
    tier = _tier_postgres if engine.is_postgres() else _in
    tiers = [
        When(tier(model, engine.key_sql(model, text.key(query))), then=Value(EXACT)),
        When(
            tier(model, engine.match_sql(model, names, names_only=True)),
            then=Value(NAME),
        ),
    ]
    if fuzzy:
        tiers.append(
            When(tier(model, engine.match_sql(model, strict)), then=Value(TEXT))
        )
    return (
        queryset.filter(_in(model, engine.match_sql(model, matches)))
        .annotate(
            search_rank=Case(
                *tiers,
                default=Value(TYPO if fuzzy else TEXT),
                output_field=IntegerField(),
            )
        )
        .order_by("-search_rank", CodePointOrder(F("name")).asc(), "pk")
    )


def search_all(query, querysets, limit=None):
    """Return [(record, rank)] over several querysets, best first, ties by name.

    querysets are already narrowed to what the caller may see (e.g. published()).
    With limit, at most that many hits (the best ones) are returned.
    """
    hits = []
    for queryset in querysets:
        results = search(queryset, query)
        if limit is not None:
            results = results[:limit]
        hits.extend((record, record.search_rank) for record in results)
    hits.sort(key=lambda hit: (-hit[1], hit[0].name, hit[0].pk))
    return hits if limit is None else hits[:limit]


class CachedCountPaginator(Paginator):
    """A Paginator whose count of a queryset comes from cached_count.

    Counting a million published rows is most of a landing page's time; the cache is
    keyed by the index version, which every write raises, so it is never stale.
    """

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list)
        return super().count


class RankedHits(Merged):
    """The ranked hits of query in several querysets (each narrowed to what the
    caller may see) as [(record, rank)], fetched only as far as a page asks for."""

    def __init__(self, query, querysets):
        from .found import find

        self.query = query
        super().__init__(find(queryset, query) for queryset in querysets)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        return [
            (record, getattr(record, "search_rank", 0))
            for record in super().__getitem__(key)
        ]


def suggest(query):
    """Return the query with unknown words replaced by close indexed ones, or ""."""
    query = normalise_query(query)
    changed, words = False, []
    for word in query.split():
        folded = text.tokens(word)
        if (
            len(folded) == 1
            and folded[0].isascii()
            and folded[0].isalpha()
            and len(folded[0]) >= 3
            and not engine.has_prefix(folded[0])
        ):
            close = engine.similar_words(folded[0], limit=1)
            if close:
                words.append(close[0])
                changed = True
                continue
        words.append(word)
    return " ".join(words) if changed else ""


# --- showing why a record matched -----------------------------------------------


def _matchers(query, terms=None):
    words, prefixes, runs = set(), set(), set()
    for term in plan(query) if terms is None else terms:
        for alternative in term.alternatives:
            for index, token in enumerate(alternative.tokens):
                if text.CJK_RUN.fullmatch(token):
                    continue
                last = index == len(alternative.tokens) - 1
                (prefixes if alternative.prefix and last else words).add(token)
        words.update(term.fuzzy)
        runs.update(text.CJK_RUN.findall(term.text))
    return words, prefixes, runs


def _spans(value, matchers):
    words, prefixes, runs = matchers
    spans = []
    for match in text.WORD.finditer(value):
        folded = text.fold(match.group(0))
        if text.CJK_RUN.search(folded):
            continue
        if folded in words or any(folded.startswith(p) for p in prefixes):
            spans.append((match.start(), match.end()))
    for run in runs:
        spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(run), value))
    return sorted(spans)


def _marked(value, spans):
    out, position = [], 0
    for start, end in spans:
        if start < position:
            continue
        out.append(escape(value[position:start]))
        out.append(f"<mark>{escape(value[start:end])}</mark>")
        position = end
    out.append(escape(value[position:]))
    return mark_safe("".join(out))


def highlight(value, query, terms=None):
    """Return value as HTML with the words query matches in <mark>."""
    value = str(value or "")
    return _marked(value, _spans(value, _matchers(query, terms)))


def snippet(record, query, length=200, terms=None):
    """Return HTML: the part of the record's texts that matched query, marked.

    The first of summary, description and purpose that matches, cut to about length
    characters around the first match; the summary when none does.
    """
    matchers = _matchers(query, terms)
    fields = ("summary", "description", "purpose")
    for field in fields:
        value = str(getattr(record, field, "") or "")
        spans = _spans(value, matchers)
        if not spans:
            continue
        first = spans[0][0]
        start = max(0, first - length // 3)
        if start:
            space = value.rfind(" ", 0, start)
            start = space + 1 if space > start - 20 else start
        end = min(len(value), start + length)
        piece = value[start:end]
        shifted = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
        html = _marked(piece, shifted)
        prefix = "… " if start else ""
        suffix = " …" if end < len(value) else ""
        return mark_safe(f"{prefix}{html}{suffix}")
    summary = str(getattr(record, "summary", "") or "")
    return escape(summary[:length])


from .facets import FACETS, cached_count, facet_counts  # noqa: E402

__all__ = [
    "CachedCountPaginator",
    "RankedHits",
    "FACETS",
    "cached_count",
    "MAX_QUERY_LENGTH",
    "facet_counts",
    "highlight",
    "normalise_query",
    "search",
    "search_all",
    "snippet",
    "suggest",
]
