"""The search index: what is indexed for a record, how it is written and queried.

One index table per kind of record (``coopdir_search_<model>``): an FTS5 table on
SQLite, a ``tsvector`` with a GIN index on PostgreSQL, both holding the tokens of
coopdir.search.text (so both engines match the same things). Beside them, on both
engines, plain tables: ``coopdir_search_key`` (whole names, for exact hits),
``coopdir_search_word`` (the vocabulary typo matching corrects towards) and
``coopdir_search_state`` (a version raised on every change, for caches).
"""

import time
from functools import lru_cache

from django.db import connection
from django.utils import translation

from . import text

KEY_TABLE = "coopdir_search_key"
WORD_TABLE = "coopdir_search_word"
STATE_TABLE = "coopdir_search_state"
FACET_TABLE = "coopdir_search_facet"
TEXT_FIELDS = ("summary", "description", "purpose", "origin_event", "hq_city")
NAME_FIELDS = ("name", "acronym", "native_name")
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position


def table(model):
    return f"coopdir_search_{model._meta.model_name}"


def kind(model):
    return model._meta.label_lower


def is_postgres(conn=None):
    return (conn or connection).vendor == "postgresql"


@lru_cache(maxsize=1)
def country_names():
    """Return {code: "English name 中文名"} for every country."""
    from django_countries import countries

    names = {code: str(name) for code, name in countries}
    with translation.override("zh-hans"):
        return {code: f"{names[code]} {name}" for code, name in countries}


# --- documents -----------------------------------------------------------------


class Document:
    def __init__(self):
        self.names = []  # the name fields, in order
        self.body = []  # everything else
        self.keys = set()
        self.facets = set()  # (facet, value): what facet_counts counts

    def add_name(self, value):
        if value:
            self.names.append(value)
            self.keys.add(text.key(value))

    def add_body(self, value):
        if value:
            self.body.append(value)

    def token_fields(self):
        """Return (name tokens, body tokens), extras after the main tokens."""
        names = [t for value in self.names for t in text.tokens(value)]
        names += [
            t for value in self.names for t in text.extra_tokens(value, pinyin=True)
        ]
        body = [t for value in self.body for t in text.tokens(value)]
        body += [t for value in self.body for t in text.extra_tokens(value)]
        return names, body


def _related(model, name):
    relation = model._meta.get_field(name)
    return relation.related_model, relation.field.name


def build_documents(model, records_filter):
    """Return {pk: Document} for the records of model matching records_filter (Q)."""
    from organisations.models import Sector
    from organisations.regions import REGION_BY_COUNTRY

    fields = [
        f.name
        for f in model._meta.concrete_fields
        if f.name in NAME_FIELDS or f.name in TEXT_FIELDS
    ]
    docs = {}
    choices = [
        f for f in ("kind", "scope") if f in {f.name for f in model._meta.fields}
    ]
    for row in model._base_manager.filter(records_filter).values(
        "pk", *fields, *choices
    ):
        doc = docs[row["pk"]] = Document()
        doc.facets.add(("all", ""))
        doc.facets.update((facet, row[facet]) for facet in choices if row[facet])
        for name in NAME_FIELDS:
            doc.add_name(row.get(name))
        for name in TEXT_FIELDS:
            doc.add_body(row.get(name))
    if not docs:
        return docs
    pks = list(docs)
    lo, hi = min(pks), max(pks)

    def scope(column):
        # A dense block of pks (a rebuild) reads by range, a few scattered ones by list.
        if hi - lo < 2 * len(pks):
            return {f"{column}__gte": lo, f"{column}__lte": hi}
        return {f"{column}__in": pks}

    names_model, fk = _related(model, "other_names")
    for pk, name in names_model.objects.filter(**scope(f"{fk}_id")).values_list(
        f"{fk}_id", "name"
    ):
        if pk in docs:
            docs[pk].add_name(name)
    countries_model, fk = _related(model, "countries")
    all_countries = country_names()
    for pk, code in countries_model.objects.filter(**scope(f"{fk}_id")).values_list(
        f"{fk}_id", "country"
    ):
        if pk in docs:
            docs[pk].add_body(all_countries.get(code, code))
            docs[pk].facets.add(("country", code))
            if code in REGION_BY_COUNTRY:
                docs[pk].facets.add(("region", str(REGION_BY_COUNTRY[code])))
    sectors = {
        pk: f"{name} {name_zh}"
        for pk, name, name_zh in Sector.objects.values_list("pk", "name", "name_zh")
    }
    through = model._meta.get_field("sectors").remote_field.through
    fk = f"{model._meta.model_name}_id"
    for pk, sector_id in through.objects.filter(**scope(fk)).values_list(
        fk, "sector_id"
    ):
        if pk in docs:
            docs[pk].add_body(sectors.get(sector_id, ""))
            docs[pk].facets.add(("sector", str(sector_id)))
    return docs


# --- writing -------------------------------------------------------------------


def _tsvector(names, body):
    """Return a tsvector literal: name tokens weighted A, the rest B."""
    positions = {}
    for weight, tokens, start in (("A", names, 1), ("B", body, len(names) + 1)):
        for offset, token in enumerate(tokens):
            position = min(start + offset, MAX_POSITION)
            entry = positions.setdefault(token, [])
            if len(entry) < 255:
                entry.append(f"{position}{weight}")
    return " ".join(f"'{token}':{','.join(p)}" for token, p in positions.items())


def write_documents(model, docs, *, fresh=False):
    """Write docs ({pk: Document}) to the index, replacing what it held for them."""
    if not docs:
        return
    name, kind_ = table(model), kind(model)
    pks = list(docs)
    rows, keys, words, facets = [], [], set(), []
    for pk, doc in docs.items():
        facets.extend((kind_, pk, facet, value) for facet, value in doc.facets)
        names, body = doc.token_fields()
        words |= text.vocabulary(names) | text.vocabulary(body)
        keys.extend((kind_, k, pk) for k in doc.keys if k)
        if is_postgres():
            rows.append((pk, _tsvector(names, body), _tsvector(names, [])))
        else:
            rows.append((pk, " ".join(names), " ".join(body)))
    with connection.cursor() as cursor:
        if not fresh:
            delete_documents(model, pks, cursor=cursor)
        if is_postgres():
            cursor.executemany(
                f"INSERT INTO {name} (record_id, doc, names) "
                "VALUES (%s, %s::tsvector, %s::tsvector) ON CONFLICT (record_id) "
                "DO UPDATE SET doc = EXCLUDED.doc, names = EXCLUDED.names",
                rows,
            )
        else:
            cursor.executemany(
                f"INSERT INTO {name} (rowid, names, body) VALUES (%s, %s, %s)", rows
            )
        cursor.executemany(
            f"INSERT INTO {KEY_TABLE} (kind, key, record_id) VALUES (%s, %s, %s)", keys
        )
        cursor.executemany(
            f"INSERT INTO {FACET_TABLE} (kind, record_id, facet, value) "
            "VALUES (%s, %s, %s, %s)",
            facets,
        )
        cursor.executemany(
            f"INSERT INTO {WORD_TABLE} (word) VALUES (%s) ON CONFLICT DO NOTHING",
            [(w,) for w in sorted(words)],
        )


def delete_documents(model, pks, cursor=None):
    if not pks:
        return
    own = cursor is None
    cursor = cursor or connection.cursor()
    try:
        marks = ", ".join(["%s"] * len(pks))
        column = "record_id" if is_postgres() else "rowid"
        cursor.execute(f"DELETE FROM {table(model)} WHERE {column} IN ({marks})", pks)
        for side_table in (KEY_TABLE, FACET_TABLE):
            cursor.execute(
                f"DELETE FROM {side_table} WHERE kind = %s AND record_id IN ({marks})",
                [kind(model), *pks],
            )
    finally:
        if own:
            cursor.close()


def index_records(model, pks):
    """Bring the index in step with the records pks of model (gone ones removed)."""
    from django.db.models import Q

    pks = [pk for pk in set(pks) if pk is not None]
    if not pks:
        return
    docs = build_documents(model, Q(pk__in=pks))
    delete_documents(model, [pk for pk in pks if pk not in docs])
    write_documents(model, docs)
    bump_version()


def clear(model):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table(model)}")
        cursor.execute(f"DELETE FROM {KEY_TABLE} WHERE kind = %s", [kind(model)])
        cursor.execute(f"DELETE FROM {FACET_TABLE} WHERE kind = %s", [kind(model)])


def clear_words():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {WORD_TABLE}")


def bump_version():
    # Never reuse a number: a rolled-back transaction takes its bump back, and a
    # plain +1 would then hand the same version (and its cached counts) to other data.
    # The clock in microseconds keeps every new version above every earlier one.
    biggest = "GREATEST" if is_postgres() else "MAX"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {STATE_TABLE} SET version = {biggest}(version + 1, %s)"
            " WHERE id = 1",
            [time.time_ns() // 1000],
        )


def version():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {STATE_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def indexed_pks(model):
    """Return the set of record pks the index holds (for checks and tests)."""
    column = "record_id" if is_postgres() else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table(model)}")
        return {row[0] for row in cursor.fetchall()}


def indexed_tokens(model, pk):
    """Return the set of tokens the index holds for one record."""
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                f"SELECT unnest(tsvector_to_array(doc)) FROM {table(model)} "
                "WHERE record_id = %s",
                [pk],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute(f"SELECT names, body FROM {table(model)} WHERE rowid = %s", [pk])
        row = cursor.fetchone()
    return set(" ".join(row).split()) if row else set()


# --- querying ------------------------------------------------------------------


def _fts5_alternative(alt):
    return f'"{" ".join(alt.tokens)}"' + (" *" if alt.prefix else "")


def _tsquery_alternative(alt):
    # Names have a tsvector (and GIN index) of their own: a weight-restricted
    # query would make PostgreSQL recheck every candidate row.
    weight = ""
    parts = []
    for index, token in enumerate(alt.tokens):
        star = "*" if alt.prefix and index == len(alt.tokens) - 1 else ""
        parts.append(f"'{token}':{star}{weight}" if star or weight else f"'{token}'")
    return "(" + " <-> ".join(parts) + ")"


def compile_query(terms, *, names_only=False, fuzzy=False):
    """Return the engine's query string for terms (all must match)."""
    postgres = is_postgres()
    compiled = []
    for term in terms:
        alternatives = list(term.alternatives)
        if fuzzy:
            alternatives += [text.Alternative([word]) for word in term.fuzzy]
        if postgres:
            parts = [_tsquery_alternative(a) for a in alternatives]
            compiled.append("(" + " | ".join(parts) + ")")
        else:
            parts = [_fts5_alternative(a) for a in alternatives]
            compiled.append("(" + " OR ".join(parts) + ")")
    if postgres:
        return " & ".join(compiled)
    expression = " AND ".join(compiled)
    return f"{{names}} : ({expression})" if names_only else expression


def match_sql(model, query, names_only=False):
    """Return (sql, params) selecting the pks of model whose document matches."""
    if is_postgres():
        column = "names" if names_only else "doc"
        return (
            f"SELECT record_id FROM {table(model)} WHERE {column} @@ %s::tsquery",
            [query],
        )
    return f"SELECT rowid FROM {table(model)} WHERE {table(model)} MATCH %s", [query]


def key_sql(model, key):
    return (
        f"SELECT record_id FROM {KEY_TABLE} WHERE kind = %s AND key = %s",
        [kind(model), key],
    )


def known_words(candidates):
    """Return which of candidates are indexed words."""
    candidates = sorted(candidates)
    found = set()
    with connection.cursor() as cursor:
        for start in range(0, len(candidates), 900):
            chunk = candidates[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT word FROM {WORD_TABLE} WHERE word IN ({marks})", chunk
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


def has_prefix(word):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {WORD_TABLE} WHERE word >= %s AND word < %s LIMIT 1",
            [word, word + "\uffff"],
        )
        return cursor.fetchone() is not None


def similar_words(word, limit=5):
    """Return indexed words close to word (up to two edits), closest first."""
    if is_postgres():
        sql = (
            f"SELECT word FROM {WORD_TABLE} WHERE lower(word) %% %s "
            "ORDER BY similarity(lower(word), %s) DESC, word LIMIT 200"
        )
        params = [word, word]
    else:
        # Words rarely get their first letter wrong: scan that letter's words only.
        sql = (
            f"SELECT word FROM {WORD_TABLE} WHERE word >= %s AND word < %s "
            "AND length(word) BETWEEN %s AND %s"
        )
        params = [word[0], word[0] + "\uffff", len(word) - 2, len(word) + 2]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        candidates = [row[0] for row in cursor.fetchall()]
    scored = sorted(
        (text.edit_distance(word, c, limit=2), c) for c in candidates if c != word
    )
    return [c for distance, c in scored if distance <= 2][:limit]
