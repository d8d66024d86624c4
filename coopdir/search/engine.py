"""The search index: what is indexed for a record, how it is written and queried.

One index table per kind of record (``coopdir_search_<model>``): an FTS5 table on
SQLite, a ``tsvector`` with a GIN index on PostgreSQL, both holding the tokens of
coopdir.search.text (so both engines match the same things). Beside them, on both
engines, plain tables: ``coopdir_search_key`` (whole names, for exact hits),
``coopdir_search_word`` (the vocabulary typo matching corrects towards),
``coopdir_search_state`` (a version raised on every change, for caches),
``coopdir_search_order`` (each record's place in name order) and
``coopdir_search_total`` (facet counts of the whole directory per status).

Every document also carries tags: its status, kind, scope, countries, regions and
sectors, so that a search with filters is one query of the index alone. Counts
past a limit are estimated from nested samples of the records (level L: about 1 in
4**L, by a hash of the pk): SQLite tags each document with its levels; PostgreSQL
keeps its deepest level in a column, with a GIN index of its own per level, so a
sample is read from an index about 4**L times smaller than the whole. Each
record's row is keyed by ``ord``, its place in name order (the FTS5 rowid; on
PostgreSQL a column indexed with the text, and the order of the rows on disk), so
a page of matches in name order is read from the first stretch of name order that
holds enough of them.
"""

import re
import time
from collections import Counter
from functools import lru_cache

from django.db import connection
from django.utils import translation

from . import text

KEY_TABLE = "coopdir_search_key"
WORD_TABLE = "coopdir_search_word"
STATE_TABLE = "coopdir_search_state"
FACET_TABLE = "coopdir_search_facet"
ORDER_TABLE = "coopdir_search_order"
TOTAL_TABLE = "coopdir_search_total"
# Places in name order are spaced GAP apart, so most new names fit between two.
GAP = 1 << 24
# Sample levels: level L holds about 1 record in 4**L (nested: L+1 within L).
SAMPLE_LEVELS = 6
TEXT_FIELDS = ("summary", "description", "purpose", "origin_event", "hq_city")
NAME_FIELDS = ("name", "acronym", "native_name")
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position


def table(model):
    return f"coopdir_search_{model._meta.model_name}"


def sample_table(model):
    """SQLite: the FTS5 table of the records in sample level SAMPLE_TABLE_LEVEL and
    deeper, beside the whole (see matching)."""
    return f"{table(model)}_sample"


# SQLite: samples of this level and deeper are read from sample_table, about
# 4**level times smaller than the whole (PostgreSQL: a GIN index per level).
SAMPLE_TABLE_LEVEL = 2


def document_tables(model):
    """Return the tables holding a kind's documents: on SQLite the whole and the
    table of the deeper samples (a document deep enough is in both, under the
    same rowid), on PostgreSQL the one table."""
    return [table(model)] if is_postgres() else [table(model), sample_table(model)]


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
        self.tags = set()  # what filters match: status, kind, countries, ...
        self.status = ""
        self.sort_name = ""  # the name the record is listed under

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


def tag(facet, value):
    """Return the index token of a filter value: letters and digits only."""
    value = re.sub(r"[^0-9a-z]", lambda m: f"x{ord(m.group()):x}x", str(value).lower())
    return f"{TAG_PREFIX[facet]}{value}"


TAG_PREFIX = {
    "status": "st",
    "kind": "ki",
    "scope": "sc",
    "country": "co",
    "region": "re",
    "sector": "se",
    "sample": "sa",
}
# PostgreSQL: every document also carries the stretches of name order its place
# lies in, one per length: a ladder from about 1,024 records to 4,194,304, each
# four times the last (places >> bits, as a rebuild spaces places), so a read of
# the matches within a span of name order narrows in the text index itself, to
# the few stretches covering it.
STRETCHES = tuple((f"stretch {bits}", bits) for bits in range(34, 48, 2))
TAG_PREFIX.update(
    {facet: f"p{'abcdefg'[index]}" for index, (facet, _bits) in enumerate(STRETCHES)}
)
# The most stretches a read is narrowed to: GIN's work on an alternative of
# stretches grows with the square of their number.
MAX_STRETCHES = 8


def stretch_tags(place):
    """Return the tags of the stretches of name order place lies in."""
    return {tag(facet, place >> bits) for facet, bits in STRETCHES}


def cover(first, last):
    """Return (tags, end): the stretches covering places first to end - 1, the
    longest that fit first, at most MAX_STRETCHES of them; end is last when they
    reach it, else where they stop (first < end <= last).

    Stretches of every length line up (each holds four of the next shorter), so
    the cover climbs from first to ever longer stretches and comes down again
    towards last. It starts less than the shortest stretch before first, and
    ends at last or at the start of a stretch before it (the rest of the span is
    left to the next read): it reaches past last only when the whole span lies
    within one shortest stretch. A span too long for MAX_STRETCHES is cut short
    rather than covered loosely.
    """
    base = STRETCHES[0][1]
    # In shortest stretches: the span's end rounded down, so the cover reaches
    # no further (but for a span within one stretch: rounded up).
    at = (first or 0) >> base
    end = max(last >> base, at + 1)
    lengths = [(facet, 1 << (bits - base)) for facet, bits in reversed(STRETCHES)]
    tags = []
    while at < end and len(tags) < MAX_STRETCHES:
        facet, size = next((f, n) for f, n in lengths if at % n == 0 and at + n <= end)
        tags.append(tag(facet, at // size))
        at += size
    return tags, min(last, at << base)


def span_tags(first, last):
    """Return the tags of the stretches covering places first to last - 1, or
    None when more than MAX_STRETCHES would be needed (see cover)."""
    tags, end = cover(first, last)
    return tags if end == last else None


def sample_levels(pk):
    """Return the sample levels record pk belongs to (a fixed hash of the pk)."""
    spread = (int(pk) * 2654435761) % (1 << 32)
    return [
        level for level in range(1, SAMPLE_LEVELS + 1) if spread < 1 << (32 - 2 * level)
    ]


def sample_depth(pk):
    """Return the deepest sample level record pk belongs to (0: none): the
    levels L with spread < 2**(32 - 2L) are those up to (32 - its bits) / 2."""
    spread = (int(pk) * 2654435761) % (1 << 32)
    return min(SAMPLE_LEVELS, (32 - spread.bit_length()) // 2)


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
        "pk", "status", *fields, *choices
    ):
        doc = docs[row["pk"]] = Document()
        doc.status, doc.sort_name = row["status"], row["name"]
        doc.facets.update((("all", ""), ("status", row["status"])))
        doc.facets.update((facet, row[facet]) for facet in choices if row[facet])
        doc.tags.add(tag("status", row["status"]))
        doc.tags.update(tag(facet, row[facet]) for facet in choices if row[facet])
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
            docs[pk].tags.add(tag("country", code))
            if code in REGION_BY_COUNTRY:
                docs[pk].facets.add(("region", str(REGION_BY_COUNTRY[code])))
                docs[pk].tags.add(tag("region", REGION_BY_COUNTRY[code]))
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
            docs[pk].tags.add(tag("sector", sector_id))
    return docs


# --- writing -------------------------------------------------------------------

NAME_MARK = "!"  # PostgreSQL: name tokens again, marked, for the names tier
TAG_MARK = "~"  # PostgreSQL: tags (FTS5 keeps them in a column of their own)


def _tsvector(names, body, tags=()):
    """Return a tsvector literal: name tokens (plain and marked), the rest, tags."""
    positions = {}
    for prefix, tokens, start in (
        ("", names, 1),
        (NAME_MARK, names, 1),
        ("", body, len(names) + 1),
    ):
        for offset, token in enumerate(tokens):
            position = min(start + offset, MAX_POSITION)
            entry = positions.setdefault(prefix + token, [])
            if len(entry) < 255:
                entry.append(str(position))
    lexemes = [f"'{token}':{','.join(p)}" for token, p in positions.items()] + [
        f"'{TAG_MARK}{t}'" for t in sorted(tags)
    ]
    return " ".join(lexemes)


# New entries go straight into GIN, not into a pending list that every search
# scans until a vacuum merges it (migration 0012 says what it cost).
GIN_OPTIONS = "WITH (fastupdate = off)"


def index_ddl(model, cluster=False):
    """Return the statements building the indexes of a kind's PostgreSQL search
    table: a B-tree on the place in name order, GIN on the text (with its tags,
    the stretches of name order among them), and GIN on the text of each sample
    level's records alone.

    cluster: the rows are first rewritten in name order (after a rebuild), so the
    matches within a stretch of name order lie on a few pages of the table and
    of every posting list, and GIN skips the rest of them.
    """
    name = table(model)
    return [
        f"CREATE INDEX {name}_ord ON {name} (ord)",
        *([f"CLUSTER {name} USING {name}_ord"] if cluster else []),
        f"CREATE INDEX {name}_doc ON {name} USING gin (doc) {GIN_OPTIONS}",
        *(
            f"CREATE INDEX {name}_sample{level} ON {name} USING gin (doc)"
            f" {GIN_OPTIONS} WHERE sample >= {level}"
            for level in range(1, SAMPLE_LEVELS + 1)
        ),
    ]


def drop_indexes(model, cursor):
    # doc_rum, names: indexes of earlier versions.
    suffixes = ["doc", "doc_rum", "names", "ord"]
    suffixes += [f"sample{level}" for level in range(1, SAMPLE_LEVELS + 1)]
    for suffix in suffixes:
        cursor.execute(f"DROP INDEX IF EXISTS {table(model)}_{suffix}")


def write_documents(model, docs, *, fresh=False, ords=None, totals=None):
    """Write docs ({pk: Document}) to the index, replacing what it held for them.

    ords ({pk: place in name order}) comes from a rebuild; otherwise each record
    keeps its place, or gets one between its neighbours when its name changed.
    totals (a Counter), when given, collects the facet totals instead of writing them.
    """
    if not docs:
        return
    name, kind_ = table(model), kind(model)
    pks = list(docs)
    keys, words, facets = [], set(), []
    with connection.cursor() as cursor:
        if not fresh:
            delete_documents(model, pks, cursor=cursor, keep_order=True)
        if ords is None:
            ords = places(
                model, {pk: doc.sort_name for pk, doc in docs.items()}, cursor
            )
        else:
            cursor.executemany(
                f"INSERT INTO {ORDER_TABLE} (kind, record_id, name, ord) "
                "VALUES (%s, %s, %s, %s)",
                [(kind_, pk, docs[pk].sort_name, ords[pk]) for pk in pks],
            )
        delta = Counter() if totals is None else totals
        rows, deep = [], []  # deep: SQLite's rows in the deeper samples too
        for pk, doc in docs.items():
            facets.extend((kind_, pk, facet, value) for facet, value in doc.facets)
            delta.update((kind_, doc.status, f, v) for f, v in doc.facets)
            names, body = doc.token_fields()
            words |= text.vocabulary(names) | text.vocabulary(body)
            keys.extend((kind_, k, pk) for k in doc.keys if k)
            if is_postgres():
                tags = doc.tags | stretch_tags(ords[pk])
                rows.append(
                    (
                        pk,
                        ords[pk],
                        _tsvector(names, body, tags),
                        facet_array(doc),
                        sample_depth(pk),
                    )
                )
            else:
                levels = sample_levels(pk)
                tags = " ".join(sorted(doc.tags | {tag("sample", n) for n in levels}))
                rows.append((ords[pk], pk, " ".join(names), " ".join(body), tags))
                if len(levels) >= SAMPLE_TABLE_LEVEL:
                    deep.append(rows[-1])
        if is_postgres():
            cursor.executemany(
                f"INSERT INTO {name} (record_id, ord, doc, facets, sample) "
                "VALUES (%s, %s, %s::tsvector, %s, %s) ON CONFLICT (record_id) "
                "DO UPDATE SET doc = EXCLUDED.doc, ord = EXCLUDED.ord,"
                " facets = EXCLUDED.facets, sample = EXCLUDED.sample",
                rows,
            )
        else:
            tables = document_tables(model)
            for target, chosen in zip(tables, (rows, deep), strict=True):
                cursor.executemany(
                    f"INSERT INTO {target} (rowid, rid, names, body, tags) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    chosen,
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
        if totals is None:
            add_totals(delta, cursor)


def facet_array(doc):
    """PostgreSQL: the document's facet values as stored beside its text
    ("facet:value"), so facet counts are grouped from the rows a search has just
    read rather than from the (much larger) facet table."""
    return sorted(f"{facet}:{value}" for facet, value in doc.facets)


def facet_pair(stored):
    """Return (facet, value) of a "facet:value" of facet_array."""
    facet, _colon, value = stored.partition(":")
    return facet, value


def indexed_facets(model, pk):
    """Return the set of (facet, value) the index counts for one record (for
    checks and tests): PostgreSQL's array beside the text, and the facet table."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT facet, value FROM {FACET_TABLE}"
            " WHERE kind = %s AND record_id = %s",
            [kind(model), pk],
        )
        rows = set(cursor.fetchall())
        if is_postgres():
            cursor.execute(
                f"SELECT facets FROM {table(model)} WHERE record_id = %s", [pk]
            )
            row = cursor.fetchone()
            beside = {facet_pair(f) for f in row[0]} if row else set()
            if beside != rows:
                return {"not in step": (sorted(beside), sorted(rows))}
    return rows


def add_totals(delta, cursor):
    """Add delta ({(kind, status, facet, value): n}) to the directory's facet totals."""
    for (kind_, status, facet, value), n in sorted(delta.items()):
        if not n:
            continue
        cursor.execute(
            f"UPDATE {TOTAL_TABLE} SET n = n + %s WHERE kind = %s AND status = %s"
            " AND facet = %s AND value = %s",
            [n, kind_, status, facet, value],
        )
        if cursor.rowcount == 0:
            cursor.execute(
                f"INSERT INTO {TOTAL_TABLE} (kind, status, facet, value, n)"
                " VALUES (%s, %s, %s, %s, %s)",
                [kind_, status, facet, value, n],
            )


def delete_documents(model, pks, cursor=None, keep_order=False):
    if not pks:
        return
    own = cursor is None
    cursor = cursor or connection.cursor()
    try:
        marks = ", ".join(["%s"] * len(pks))
        kind_ = kind(model)
        # The totals lose what these records counted for.
        cursor.execute(
            f"SELECT s.value, f.facet, f.value FROM {FACET_TABLE} f"
            f" JOIN {FACET_TABLE} s ON s.kind = f.kind AND s.record_id = f.record_id"
            f" AND s.facet = 'status' WHERE f.kind = %s AND f.record_id IN ({marks})",
            [kind_, *pks],
        )
        delta = Counter()
        for status, facet, value in cursor.fetchall():
            delta[(kind_, status, facet, value)] -= 1
        add_totals(delta, cursor)
        column = "record_id" if is_postgres() else "rid"
        for name in document_tables(model):
            cursor.execute(f"DELETE FROM {name} WHERE {column} IN ({marks})", pks)
        side_tables = (KEY_TABLE, FACET_TABLE) + (() if keep_order else (ORDER_TABLE,))
        for side_table in side_tables:
            cursor.execute(
                f"DELETE FROM {side_table} WHERE kind = %s AND record_id IN ({marks})",
                [kind_, *pks],
            )
    finally:
        if own:
            cursor.close()


# --- name order ----------------------------------------------------------------


def name_order(model):
    """Return {pk: ord} for every record of model, spaced GAP apart in name order.

    Python compares strings by code point, as SQLite does and PostgreSQL does
    under COLLATE "C": one order on every engine.
    """
    rows = sorted(
        model._base_manager.values_list("name", "pk").iterator(chunk_size=20000)
    )
    return {pk: (index + 1) * GAP for index, (_name, pk) in enumerate(rows)}


def _neighbour(cursor, kind_, name, pk, before):
    less, order = ("<", "DESC") if before else (">", "ASC")
    collate = ' COLLATE "C"' if is_postgres() else ""
    cursor.execute(
        f"SELECT ord FROM {ORDER_TABLE} WHERE kind = %s AND name{collate} = %s"
        f" AND record_id {less} %s ORDER BY record_id {order} LIMIT 1",
        [kind_, name, pk],
    )
    row = cursor.fetchone()
    if row is None:
        cursor.execute(
            f"SELECT ord FROM {ORDER_TABLE} WHERE kind = %s AND name{collate} {less} %s"
            f" ORDER BY name{collate} {order}, record_id {order} LIMIT 1",
            [kind_, name],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def place(model, pk, name, cursor):
    """Return record pk's place in name order, giving it one if it has none."""
    kind_ = kind(model)
    cursor.execute(
        f"SELECT name, ord FROM {ORDER_TABLE} WHERE kind = %s AND record_id = %s",
        [kind_, pk],
    )
    row = cursor.fetchone()
    if row and row[0] == name:
        return row[1]
    if row:
        cursor.execute(
            f"DELETE FROM {ORDER_TABLE} WHERE kind = %s AND record_id = %s", [kind_, pk]
        )
    low = _neighbour(cursor, kind_, name, pk, before=True)
    high = _neighbour(cursor, kind_, name, pk, before=False)
    if high is None:
        ord_ = (low or 0) + GAP
    elif (high - (low or 0)) >= 2:
        ord_ = ((low or 0) + high) // 2
    else:
        _spread(model, cursor, high)
        return place(model, pk, name, cursor)
    cursor.execute(
        f"INSERT INTO {ORDER_TABLE} (kind, record_id, name, ord)"
        " VALUES (%s, %s, %s, %s)",
        [kind_, pk, name, ord_],
    )
    return ord_


# Records placed per query by places(): 10 parameters each, under SQLite's
# historical limit of 999 per statement.
PLACES_PER_QUERY = 90


def _neighbours_sql(collate, before):
    less, order = ("<", "DESC") if before else (">", "ASC")
    return (
        f"COALESCE((SELECT ord FROM {ORDER_TABLE} WHERE kind = %s"
        f" AND name{collate} = %s AND record_id {less} %s"
        f" ORDER BY record_id {order} LIMIT 1),"
        f" (SELECT ord FROM {ORDER_TABLE} WHERE kind = %s AND name{collate} {less} %s"
        f" ORDER BY name{collate} {order}, record_id {order} LIMIT 1))"
    )


def places(model, names, cursor):
    """Return {pk: place in name order} for names ({pk: name}), as place() does
    for one record, in a few queries for them all: records keep their place
    unless their name changed; the others are spread evenly between their
    neighbours in the index (place() one by one where a gap is too narrow)."""
    kind_ = kind(model)
    pks = list(names)
    found = {}
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(
            f"SELECT record_id, name, ord FROM {ORDER_TABLE}"
            f" WHERE kind = %s AND record_id IN ({marks})",
            [kind_, *chunk],
        )
        found.update({pk: (name, ord_) for pk, name, ord_ in cursor.fetchall()})
    ords = {pk: found[pk][1] for pk in pks if pk in found and found[pk][0] == names[pk]}
    moving = sorted((names[pk], pk) for pk in pks if pk not in ords)
    stale = [pk for _name, pk in moving if pk in found]
    for start in range(0, len(stale), 500):
        chunk = stale[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(
            f"DELETE FROM {ORDER_TABLE} WHERE kind = %s AND record_id IN ({marks})",
            [kind_, *chunk],
        )
    collate = ' COLLATE "C"' if is_postgres() else ""
    low_sql, high_sql = _neighbours_sql(collate, True), _neighbours_sql(collate, False)
    bounds = []
    for start in range(0, len(moving), PLACES_PER_QUERY):
        chunk = moving[start : start + PLACES_PER_QUERY]
        columns = ", ".join(f"{low_sql}, {high_sql}" for _item in chunk)
        params = []
        for name, pk in chunk:
            params += [kind_, name, pk, kind_, name] * 2
        cursor.execute(f"SELECT {columns}", params)
        row = cursor.fetchone()
        bounds += [(row[2 * i], row[2 * i + 1]) for i in range(len(chunk))]
    # Consecutive records between the same two neighbours share their gap.
    groups = []
    for item, bound in zip(moving, bounds, strict=True):
        if groups and groups[-1][0] == bound:
            groups[-1][1].append(item)
        else:
            groups.append((bound, [item]))
    rows, narrow = [], []
    for (low, high), items in groups:
        low = low or 0
        if high is None:
            step = GAP
        elif (high - low) // (len(items) + 1) >= 1:
            step = (high - low) // (len(items) + 1)
        else:
            narrow += items
            continue
        for i, (name, pk) in enumerate(items, 1):
            ords[pk] = low + step * i
            rows.append((kind_, pk, name, ords[pk]))
    cursor.executemany(
        f"INSERT INTO {ORDER_TABLE} (kind, record_id, name, ord)"
        " VALUES (%s, %s, %s, %s)",
        rows,
    )
    for name, pk in narrow:
        place(model, pk, name, cursor)
    if narrow:
        # Making room moved records, maybe some of these: read where they are.
        return places(model, names, cursor)
    return ords


def _spread(model, cursor, around):
    """Make room near ord `around`: space the records nearby evenly again."""
    kind_ = kind(model)
    width = 64
    while True:
        cursor.execute(
            f"SELECT ord, record_id FROM {ORDER_TABLE} WHERE kind = %s AND ord < %s"
            " ORDER BY ord DESC LIMIT %s",
            [kind_, around, width + 1],
        )
        below = cursor.fetchall()
        cursor.execute(
            f"SELECT ord, record_id FROM {ORDER_TABLE} WHERE kind = %s AND ord >= %s"
            " ORDER BY ord ASC LIMIT %s",
            [kind_, around, width + 1],
        )
        above = cursor.fetchall()
        low = below.pop()[0] if len(below) > width else 0
        high = above.pop()[0] if len(above) > width else None
        window = sorted(below + above)
        if high is None:
            high = (window[-1][0] if window else low) + GAP * (len(window) + 1)
        step = (high - low) // (len(window) + 1)
        if step >= 4 or (len(below) <= width and len(above) <= width):
            break
        width *= 4
    step = max(step, 1)
    moves = [(low + step * (i + 1), old, pk) for i, (old, pk) in enumerate(window)]
    _move(model, cursor, moves)


def _move(model, cursor, moves):
    """Give records new places: moves is [(new ord, old ord, pk)]."""
    kind_, name = kind(model), table(model)
    # Through negative places first, so no two rows ever share one.
    for stage in ((lambda new, old: (-new, old)), (lambda new, old: (new, -new))):
        pairs = [(*stage(new, old), pk) for new, old, pk in moves]
        cursor.executemany(
            f"UPDATE {ORDER_TABLE} SET ord = %s WHERE kind = %s AND record_id = %s",
            [(new, kind_, pk) for new, _old, pk in pairs],
        )
        if is_postgres():
            cursor.executemany(
                f"UPDATE {name} SET ord = %s WHERE record_id = %s",
                [(new, pk) for new, _old, pk in pairs],
            )
        else:
            for new, old, _pk in pairs:
                for target in document_tables(model):
                    cursor.execute(
                        f"INSERT INTO {target} (rowid, rid, names, body, tags) "
                        f"SELECT %s, rid, names, body, tags FROM {target}"
                        " WHERE rowid = %s",
                        [new, old],
                    )
                    cursor.execute(f"DELETE FROM {target} WHERE rowid = %s", [old])
    if is_postgres():
        # Documents moved into other stretches of name order are tagged anew.
        retags = []
        for new, old, pk in moves:
            before, after = sorted(stretch_tags(old)), sorted(stretch_tags(new))
            if before != after:
                retags.append(
                    ([TAG_MARK + t for t in before], [TAG_MARK + t for t in after], pk)
                )
        cursor.executemany(
            f"UPDATE {name} SET doc = ts_delete(doc, %s::text[])"
            " || array_to_tsvector(%s::text[]) WHERE record_id = %s",
            retags,
        )


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
        for name in document_tables(model):
            cursor.execute(f"DELETE FROM {name}")
        for side_table in (KEY_TABLE, FACET_TABLE, ORDER_TABLE, TOTAL_TABLE):
            cursor.execute(f"DELETE FROM {side_table} WHERE kind = %s", [kind(model)])


def merge_segments(model, cursor):
    """SQLite: merge each of a kind's FTS5 tables into one segment ('optimize').

    A rebuild writes its documents in chunks, which FTS5 keeps as segments of
    their own (15 for 100k records); every query then looks its words and tags up
    in each segment. Merged, word + country + sector at 100k reads its index in
    half the time (3.2 -> 1.7 ms a search). Later writes add segments, which FTS5
    merges as they accumulate (automerge). PostgreSQL: nothing to do.
    """
    if is_postgres():
        return
    for name in document_tables(model):
        cursor.execute(f"INSERT INTO {name}({name}) VALUES ('optimize')")


def segments(model):
    """SQLite: the number of segments of each of a kind's FTS5 tables."""
    counts = []
    with connection.cursor() as cursor:
        for name in document_tables(model):
            cursor.execute(f"SELECT COUNT(DISTINCT segid) FROM {name}_idx")
            counts.append(cursor.fetchone()[0])
    return counts


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


def indexed_any(model):
    """Return whether the index holds any record of model."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table(model)} LIMIT 1")
        return cursor.fetchone() is not None


def indexed_pks(model):
    """Return the set of record pks the index holds (for checks and tests)."""
    column = "record_id" if is_postgres() else "rid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table(model)}")
        return {row[0] for row in cursor.fetchall()}


def _indexed(model, pk):
    """Return (word tokens, tags, ord) the index holds for one record."""
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                f"SELECT unnest(tsvector_to_array(doc)), ord FROM {table(model)} "
                "WHERE record_id = %s",
                [pk],
            )
            rows = cursor.fetchall()
            lexemes = {row[0] for row in rows}
            words = {t for t in lexemes if t[0] not in (NAME_MARK, TAG_MARK)}
            tags = {t[1:] for t in lexemes if t[0] == TAG_MARK}
            return words, tags, rows[0][1] if rows else None
        cursor.execute(
            f"SELECT names, body, tags, rowid FROM {table(model)} WHERE rid = %s", [pk]
        )
        row = cursor.fetchone()
    if not row:
        return set(), set(), None
    return set(f"{row[0]} {row[1]}".split()), set(row[2].split()), row[3]


def indexed_tokens(model, pk):
    """Return the set of word tokens the index holds for one record."""
    return _indexed(model, pk)[0]


def indexed_tags(model, pk):
    """Return the set of tags the index holds for one record (its stretches of
    name order and SQLite's sample levels apart: see misplaced, indexed_sample)."""
    return {
        t
        for t in _indexed(model, pk)[1]
        if not _is_stretch(t) and not t.startswith(TAG_PREFIX["sample"])
    }


def indexed_sample(model, pk):
    """Return the deepest sample level the index holds one record in (for checks
    and tests): PostgreSQL's column, or SQLite's tags (which must be every level
    down to it)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sample FROM {table(model)} WHERE record_id = %s", [pk]
            )
            row = cursor.fetchone()
        return row[0] if row else None
    whole, deeper = [], []
    with connection.cursor() as cursor:
        for name, rows in zip(document_tables(model), (whole, deeper), strict=True):
            cursor.execute(
                f"SELECT rowid, names, body, tags FROM {name} WHERE rid = %s", [pk]
            )
            rows.extend(cursor.fetchall())
    prefix = TAG_PREFIX["sample"]
    tags = whole[0][3].split() if whole else []
    levels = sorted(int(t[len(prefix) :]) for t in tags if t.startswith(prefix))
    if levels != list(range(1, len(levels) + 1)):
        return {"not nested": levels}
    # And deep enough, the same row in the table of the deeper levels.
    if deeper != (whole if len(levels) >= SAMPLE_TABLE_LEVEL else []):
        return {"sample table": deeper}
    return len(levels)


def _is_stretch(tag_):
    return any(tag_.startswith(TAG_PREFIX[facet]) for facet, _bits in STRETCHES)


def misplaced(model):
    """PostgreSQL: return the pks whose documents do not carry exactly the tags of
    the stretches of their places in name order (for checks and tests)."""
    if not is_postgres():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT record_id, ord, ARRAY(SELECT lexeme FROM unnest(doc)"
            f" WHERE lexeme LIKE %s) FROM {table(model)}",
            [TAG_MARK + "%"],
        )
        return [
            pk
            for pk, place, tags in cursor.fetchall()
            if {t[1:] for t in tags if _is_stretch(t[1:])} != stretch_tags(place)
        ]


def indexed_order(model):
    """Return the record pks in the order of their places (for checks and tests)."""
    column = "record_id" if is_postgres() else "rid"
    order = "ord" if is_postgres() else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table(model)} ORDER BY {order}")
        return [row[0] for row in cursor.fetchall()]


# --- querying ------------------------------------------------------------------


def _fts5_alternative(alt):
    if alt.prefix and alt.expansions:
        head = alt.tokens[:-1]
        phrases = [f'"{" ".join([*head, word])}"' for word in alt.expansions]
        return "(" + " OR ".join(phrases) + ")"
    return f'"{" ".join(alt.tokens)}"' + (" *" if alt.prefix else "")


def _tsquery_alternative(alt, mark=""):
    if alt.prefix and alt.expansions:
        whole = [text.Alternative([*alt.tokens[:-1], word]) for word in alt.expansions]
        return "(" + " | ".join(_tsquery_alternative(a, mark) for a in whole) + ")"
    parts = []
    for index, token in enumerate(alt.tokens):
        star = ":*" if alt.prefix and index == len(alt.tokens) - 1 else ""
        parts.append(f"'{mark}{token}'{star}")
    return "(" + " <-> ".join(parts) + ")"


NEVER_TAG = "never"  # a tag no record carries


def never():
    """Return the engine's query that matches nothing (cheaply: one absent tag)."""
    return compile_tags([[NEVER_TAG]])


def compile_query(terms, *, names_only=False, fuzzy=False):
    """Return the engine's query string for terms (all must match).

    names_only: every term must be found in the names (the name tier). A term none
    of whose alternatives can match (a prefix no indexed word starts with) makes
    the query match nothing.
    """
    postgres = is_postgres()
    compiled = []
    for term in terms:
        alternatives = [a for a in term.alternatives if a.expansions != []]
        if fuzzy:
            alternatives += [text.Alternative([word]) for word in term.fuzzy]
        if not alternatives:
            return never()
        if postgres:
            mark = NAME_MARK if names_only else ""
            parts = [_tsquery_alternative(a, mark) for a in alternatives]
            compiled.append("(" + " | ".join(parts) + ")")
        else:
            parts = [_fts5_alternative(a) for a in alternatives]
            compiled.append("(" + " OR ".join(parts) + ")")
    if postgres:
        return "(" + " & ".join(compiled) + ")"
    expression = " AND ".join(compiled)
    columns = "names" if names_only else "names body"
    return f"{{{columns}}} : ({expression})"


def compile_tags(groups):
    """Return the engine's query for tags: any tag of each group, every group."""
    if is_postgres():
        return " & ".join(
            "(" + " | ".join(f"'{TAG_MARK}{t}'" for t in group) + ")"
            for group in groups
        )
    return " AND ".join(
        "{tags} : (" + " OR ".join(f'"{t}"' for t in group) + ")" for group in groups
    )


def both(*parts):
    """Return the engine's query matching every part (empty parts left out)."""
    parts = [p for p in parts if p]
    if never() in parts:
        return never()
    joiner = " & " if is_postgres() else " AND "
    return joiner.join(f"({p})" for p in parts)


def but_not(query, excluded):
    if query == never() or excluded == never():
        return query
    if is_postgres():
        return f"({query}) & !({excluded})"
    return f"({query}) NOT ({excluded})"


def _unquoted(query):
    """Yield (index, char, depth) for each character of a PostgreSQL tsquery
    outside its quoted lexemes; depth: the parentheses open after it ("(" counts
    itself, ")" does not)."""
    depth, quoted = 0, False
    for index, char in enumerate(query):
        if char == "'":
            quoted = not quoted
            continue
        if quoted:
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        yield index, char, depth


def _outer(query):
    """Return query without parentheses wrapping the whole of it."""
    while query.startswith("(") and query.endswith(")"):
        closes = next(
            (i for i, char, depth in _unquoted(query) if char == ")" and not depth),
            len(query) - 1,
        )
        if closes < len(query) - 1:
            return query  # the first group closes before the end
        query = query[1:-1].strip()
    return query


def conjuncts(query):
    """Return the parts of a PostgreSQL tsquery that must all match (a & b & …,
    at any depth of parentheses), each negated part kept with the first other:
    GIN alone cannot look up a part that only excludes."""
    query = _outer(query)
    cuts = [i for i, char, depth in _unquoted(query) if char == "&" and not depth]
    if not cuts:
        return [query]
    bounds = zip([-1, *cuts], [*cuts, len(query)], strict=True)
    parts = [query[start + 1 : stop].strip() for start, stop in bounds]
    found = [part for whole in parts for part in conjuncts(whole)]
    positive = [part for part in found if not part.startswith("!")]
    negative = [part for part in found if part.startswith("!")]
    if not positive:
        return [query]
    if negative:
        positive[0] = " & ".join([f"({positive[0]})", *negative])
    return positive


def _pg_match(query, hidden=()):
    """Return (SQL condition, params) for doc matching a PostgreSQL tsquery and
    carrying none of the hidden tags.

    A phrase (a <-> b) cannot skip through the index as words can; the index is
    given the words (a & b) and the phrase is checked on what that finds. Hidden
    tags (the statuses not shown: few records) are checked on what the index
    finds too: asking the index to leave them out costs it a look-up per match.
    """
    loose = query.replace(" <-> ", " & ")
    # One condition per part that must match: GIN then walks each part's
    # postings skipping to the others' next match, where for one tsquery it
    # works through every posting of its rarest parts (at 1M, "!lower & !coffee"
    # 1.7 -> 0.3 ms; a word and eight stretches of name order 6.7 -> 0.3 ms).
    params = conjuncts(loose)
    if loose != query:
        params.append(query)
    condition = " AND ".join(["doc @@ %s::tsquery"] * len(params))
    if hidden:
        condition += " AND (doc @@ %s::tsquery) IS NOT TRUE"
        params.append(compile_tags([hidden]))
    return condition, params


def _leaving_out(query, hidden):
    """Return query leaving out the records carrying any of the hidden tags."""
    return but_not(query, compile_tags([hidden])) if hidden else query


def match_sql(model, query, names_only=False):
    """Return (sql, params) selecting the pks of model whose document matches.

    query is compiled with the same names_only (which the query itself carries).
    """
    if is_postgres():
        condition, params = _pg_match(query)
        return f"SELECT record_id FROM {table(model)} WHERE {condition}", params
    return f"SELECT rid FROM {table(model)} WHERE {table(model)} MATCH %s", [query]


def matching(
    model,
    query,
    limit,
    *,
    ordered=False,
    within=None,
    walk=False,
    places=False,
    checks=(),
    sample=None,
    hidden=(),
    grouped_up_to=None,
    grouped_by_depth=False,
):
    """Return the pks of up to limit matches of query, in name order if ordered.

    within: (first, last) places in name order (either may be None): only matches
    placed first <= place < last. places: return (pk, place) pairs.

    SQLite reads the index in its rowid order (the place) and stops at limit.
    PostgreSQL finds the matches with GIN and sorts them; within a span of name
    order it asks GIN for the few stretches covering it too, so only the matches
    in them are read. walk (for matches so dense that a page lies among the next
    few hundred records): PostgreSQL reads the records of the span in name order
    instead, checking each, and stops at limit. With places, checks (PostgreSQL)
    are queries each match is also checked against: a column each, after the
    place. sample: only matches in that sample level (PostgreSQL reads them from
    the level's own index). hidden: tags (statuses) of records never to return.
    grouped_up_to (PostgreSQL, unordered): returns (rows, groups), groups the
    facet counts [(facet, value, n)] over the rows when there are no more than
    that many of them, else None. grouped_by_depth (PostgreSQL, a sample read):
    returns (rows, groups), groups the facet counts over every row read by the
    record's deepest sample level, [(facet, value, level, n)], so that the read
    answers for the deeper levels' facets too.
    """
    name = table(model)
    grouping = grouped_up_to is not None or grouped_by_depth
    if query == never():
        return ([], []) if grouping else []
    first, last = within or (None, None)
    if is_postgres():
        stretches = span_tags(first, last) if last and not walk else None
        if stretches:
            query = both(query, compile_tags([stretches]))
        condition, params = _pg_match(query, hidden)
        if walk:
            # Checked record by record (IS TRUE keeps the planner from GIN), read
            # in name order from the B-tree on ord.
            condition, pk, place = f"({condition}) IS TRUE", "record_id", "ord"
        else:
            # ord + 0: never read in name order from the B-tree, checking record
            # after record until enough match — a long way when they lie late in
            # the alphabet.
            pk, place = "record_id", "ord + 0"
        if sample:
            # A literal, as the indexes' own conditions are, so the planner sees
            # which of them hold every row wanted (and takes the smallest).
            condition += f" AND sample >= {int(sample)}"
    else:
        if sample:
            query = both(query, compile_tags([[tag("sample", sample)]]))
            if sample >= SAMPLE_TABLE_LEVEL:
                name = sample_table(model)
        condition, params = f"{name} MATCH %s", [_leaving_out(query, hidden)]
        pk, place = "rid", "rowid"
    if first is not None:
        condition += f" AND {place} >= %s"
        params.append(first)
    if last is not None:
        condition += f" AND {place} < %s"
        params.append(last)
    order = f" ORDER BY {place}" if ordered else ""
    columns = [pk, place] if places else [pk]
    columns += ["doc @@ %s::tsquery"] * len(checks)
    sql = f"SELECT {', '.join(columns)} FROM {name} WHERE {condition}{order} LIMIT %s"
    params = [*checks, *params, limit]
    if grouping:
        up_to = limit if grouped_up_to is None else grouped_up_to
        sql, params = _grouping_too(sql, params, len(columns), up_to, grouped_by_depth)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    groups = None
    if grouping:
        groups = [
            (*facet_pair(row[-3]), *(row[-2:] if grouped_by_depth else row[-1:]))
            for row in rows
            if row[0] is None
        ]
        rows = [row[:-3] for row in rows if row[0] is not None]
        groups = groups if len(rows) <= up_to else None
    rows = rows if places else [row[0] for row in rows]
    return (rows, groups) if grouping else rows


def _grouping_too(sql, params, width, up_to, by_depth=False):
    """PostgreSQL: return (sql, params) of the statement sql (SELECT {width}
    columns … LIMIT) also returning, when it finds up_to rows or fewer, the facet
    counts over them: rows (None × width, "facet:value", level, count) after its
    own (level: the records' deepest sample level with by_depth, else None)."""
    select, rest = sql.split(" FROM ", 1)
    names = [f"c{i}" for i in range(width)]
    depth, by = ("m.sample", ", m.sample") if by_depth else ("NULL::smallint", "")
    return (
        f"WITH m ({', '.join(names)}, facets, sample) AS MATERIALIZED"
        f" ({select}, facets, sample FROM {rest}) "
        f"SELECT {', '.join(names)}, NULL, NULL, NULL FROM m UNION ALL "
        f"SELECT {', '.join(['NULL'] * width)}, f, {depth}, COUNT(*)"
        " FROM m, unnest(m.facets) f WHERE (SELECT COUNT(*) FROM m) <= %s"
        f" GROUP BY f{by}",
        [*params, up_to],
    )


def estimated_matches(model, query):
    """Return the engine's own guess of how many records match query (PostgreSQL:
    the planner's, from its statistics), or None where it has none (SQLite)."""
    if not is_postgres() or query == never():
        return None
    # The words alone: the planner takes a phrase's words to be independent, which
    # in a phrase they are not, and would guess far too few.
    loose = query.replace(" <-> ", " | ")
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table(model)}"
            " WHERE doc @@ %s::tsquery",
            [loose],
        )
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def document_counts(model, words, prefixes=()):
    """SQLite: return {word: records holding it} for words, and {prefix: records
    holding any word so starting} for prefixes, from FTS5's own vocabulary."""
    vocab = f"temp.{table(model)}_vocab"
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab}"
            f" USING fts5vocab(main, {table(model)}, 'row')"
        )
        words = sorted(set(words))
        for start in range(0, len(words), 500):
            chunk = words[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT term, doc FROM {vocab} WHERE term IN ({marks})", chunk
            )
            found.update(cursor.fetchall())
        for prefix in set(prefixes):
            cursor.execute(
                f"SELECT SUM(doc) FROM {vocab} WHERE term >= %s AND term < %s",
                [prefix, prefix + "\uffff"],
            )
            found[prefix] = cursor.fetchone()[0] or 0
    return found


def among(model, query, pks, places=False, hidden=()):
    """Return which of pks (a few) match query, in name order (with places:
    (pk, place) pairs); hidden: tags of records never to return."""
    query = _leaving_out(query, hidden)
    if not pks:
        return []
    pk_condition, pk_params = one_of("record_id", pks)
    name = table(model)
    with connection.cursor() as cursor:
        if is_postgres():
            # Checked row by row (IS TRUE keeps the planner from the text index,
            # which would read every match of the query instead of these few).
            cursor.execute(
                f"SELECT record_id, ord FROM {name} WHERE {pk_condition}"
                " AND (doc @@ %s::tsquery) IS TRUE ORDER BY ord",
                [*pk_params, query],
            )
            found = cursor.fetchall()
        else:
            cursor.execute(
                f"SELECT record_id, ord FROM {ORDER_TABLE} WHERE kind = %s"
                f" AND {pk_condition} ORDER BY ord",
                [kind(model), *pk_params],
            )
            found = []
            for pk, ord_ in cursor.fetchall():
                cursor.execute(
                    f"SELECT 1 FROM {name} WHERE {name} MATCH %s AND rowid = %s",
                    [query, ord_],
                )
                if cursor.fetchone():
                    found.append((pk, ord_))
    return found if places else [pk for pk, _ord in found]


def key_sql(model, key):
    return (
        f"SELECT record_id FROM {KEY_TABLE} WHERE kind = %s AND key = %s",
        [kind(model), key],
    )


def one_of(column, values):
    """Return (SQL condition, params) for column being one of values: on
    PostgreSQL one array parameter (hundreds of placeholders cost more to send and
    to plan), on SQLite a list of them (at most 900 values)."""
    if is_postgres():
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def known_words(candidates):
    """Return which of candidates are indexed words."""
    candidates = sorted(candidates)
    found = set()
    with connection.cursor() as cursor:
        for start in range(0, len(candidates), 900):
            condition, params = one_of("word", candidates[start : start + 900])
            cursor.execute(f"SELECT word FROM {WORD_TABLE} WHERE {condition}", params)
            found.update(row[0] for row in cursor.fetchall())
    return found


def words_with_prefix(prefix, limit):
    """Return the indexed words starting with prefix, or None past limit of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word FROM {WORD_TABLE} WHERE word >= %s AND word < %s"
            " ORDER BY word LIMIT %s",
            [prefix, prefix + "\uffff", limit + 1],
        )
        words = [row[0] for row in cursor.fetchall()]
    return words if len(words) <= limit else None


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
