"""Searches answered from the index alone, with work bounded by the page, not the hits.

A Found is what a list page or the API asks for: the ranked records of one page,
how many there are, and facet counts. Words, status and the facet filters (country,
region, sector, kind, scope) are all in the index (as words and tags), so:

- a page is a few index queries in name order, one per rank tier, each stopping
  as soon as the page is full (SQLite reads its index in name order; PostgreSQL
  reads the first span of name order that the count's sample says holds enough,
  or ranks a page counted outright from the count's own read);
- the count is exact up to EXACT_LIMIT; past it, it is estimated from a fixed
  sample of the directory (about one record in 4**level, chosen by a hash of the
  pk) and marked approximate;
- facet counts are grouped in the database over the matches (up to EXACT_LIMIT;
  a facet counted without its own filter, up to OTHERS_LIMIT) or over a sample,
  scaled up;
- with no words and no filters, counts and facets are the directory's totals,
  which every write keeps up to date in its own transaction.

The same sample on both engines gives the same estimates on both.
"""

import bisect
import math
from collections import namedtuple
from functools import cached_property

from django.db import connection

from . import engine, text
from .facets import FacetCounts, label_rows

# Counting outright reads every match's row: from a cold cache a random page each,
# about 25 µs apiece with reads ahead. 500, not 1,000: at 1M records, the searches
# just under the limit (or guessed under it and found over) were the slowest
# tenth of word + country + sector (interleaved A/B from a dropped OS cache, 400
# queries: p95 54.8 ms at 1,000, 43.4 ms at 500; other classes unchanged).
EXACT_LIMIT = 500
# A facet counted without its own filter (its other values, to choose from) is
# counted exactly up to this many matches, past it from a sample like the count.
OTHERS_LIMIT = 200
# Past the limit the count is estimated from the deepest sample holding at least
# MIN_SAMPLE matches (reads stop at WIDE_SAMPLE); the search for it starts where
# about SAMPLE_TARGET are expected.
MIN_SAMPLE = 50
SAMPLE_TARGET = 200
WIDE_SAMPLE = 400
# Guessed (by the engine) to be no more than this share of the limit: counted
# outright at once, else sampled first. The engines' guesses take words and
# filters to be independent, which they are not, and err both ways; a sample read
# (on PostgreSQL from its level's own index) costs far less than counting up to
# the limit only to find more.
COUNT_FIRST = 0.5
# PostgreSQL: a page of a rank tier is read from the first span of name order
# expected to hold MARGIN times the records wanted, then from spans reaching GROWTH
# times further each (see Found._in_name_order).
MARGIN = 2
GROWTH = 4
# PostgreSQL: matches so dense that a page is expected within this many records
# are read by walking the records in name order (checking each) instead.
WALK_RECORDS = 1500
# PostgreSQL: a rank tier the sample says holds no more than this many matches is
# read whole (GIN finds them all, the first `want` in name order are kept) rather
# than span by span. A span read asks GIN for the tier's words and the stretches
# covering the span, and GIN's work goes with the postings of the words (tens of
# thousands at 1M) and of every stretch, whatever the span holds: at 1M three
# span reads of "Lower Coffee" took 4-9 ms each and found nothing, while its whole
# name tier (536 matches) took 1.7 ms. At 100k, 1,000 was no slower than spans
# and 2,000 or more was (each match read costs about a microsecond). Since each
# part of a read is its own index condition (engine._pg_match), span reads cost
# far less, and at 1M this is within the noise (two words p95 32.7 against 35.3
# ms without it, then 37.0 against 33.0).
WHOLE_TIER = 1000
# PostgreSQL: the first sampled match of a tier lying so late that its mean
# density puts more than CLUSTERED times the sample's scale before it (about scale
# do; more than 4 times, by chance, about 1 time in 50) marks a cluster: the
# spans are bounded by the sample alone. At 1M, "West", "Coastal" and "Lakeside"
# (names that start with them) took 4-5 span reads, 2-3 of them finding nothing,
# at 2-11 ms each; one word p95 43.5 -> 35.7 ms, prefix 41.4 -> 34.5 (interleaved
# A/B); 100k unchanged.
CLUSTERED = 4
EXACT, NAME, TEXT, TYPO = 4, 3, 2, 1
_MEMO = {}

# count: exact, or estimated (approximate) from a sample where each counted match
# stands for scale; pks: the matches counted; places: theirs in name order, sorted.
# ranks ({pk: rank tier}, PostgreSQL): of matches counted outright, when known;
# groups ([(facet, value, n)], PostgreSQL): their facet counts, from the same read.
Counted = namedtuple(
    "Counted", "count approximate scale pks places ranks groups", defaults=[None]
)


class Found:
    """The records of queryset matching query and filters, best first.

    queryset: the records that may be shown (a status filter at most);
    values: {facet: [value, …]} (status too), any value within a facet, every facet;
    records: returns the same records as an ORM queryset (for a page without words:
    the ORM lists them by name from an index of its own).
    """

    approximate = False

    def __init__(self, queryset, query, values, records):
        from . import normalise_query, plan

        self.queryset, self.model = queryset, queryset.model
        self.records = records
        self.query = normalise_query(query)
        # Looked up once per version of the index (every write raises it).
        self._memo_key = (connection.settings_dict["NAME"], engine.version())
        self.terms = (
            self.memo(("plan", self.query), lambda: plan(self.query))
            if self.query
            else []
        )
        self.values = {facet: [str(v) for v in vs] for facet, vs in values.items()}
        self.filters = {
            facet: [engine.tag(facet, v) for v in vs]
            for facet, vs in self.values.items()
        }
        self._directory = None
        # Words that leave no token to look for ("!!!") find nothing.
        self.nothing = bool(self.query) and not self.terms
        self._count = None
        self._matches = {}
        self._groups = {}
        self._counts = {}
        self._ranked = []
        self._ranked_all = False

    # --- engine queries ------------------------------------------------------

    def restrict(self, query, without=()):
        """Return query narrowed to the filters (those of facets in without left
        out). The status filter is not in it: every read leaves out the records
        of the other statuses (self.hidden) instead — drafts are few, so the
        engines check a short list rather than nearly every record's."""
        groups = [
            tags
            for facet, tags in self.filters.items()
            if facet not in without and facet != "status"
        ]
        return engine.both(query, engine.compile_tags(groups))

    @cached_property
    def hidden(self):
        """Return the tags of the statuses not shown (none without a filter)."""
        if "status" not in self.filters:
            return ()
        wanted = set(self.filters["status"])
        return tuple(
            engine.tag("status", value)
            for value, _label in self.model._meta.get_field("status").choices
            if engine.tag("status", value) not in wanted
        )

    def _words(self, *, names_only=False, fuzzy=False):
        return engine.compile_query(self.terms, names_only=names_only, fuzzy=fuzzy)

    @property
    def fuzzy(self):
        return any(term.fuzzy for term in self.terms)

    def match(self, without=()):
        """Return the engine query of every match (facets in without left out)."""
        words = self._words(fuzzy=self.fuzzy) if self.terms else ""
        return self.restrict(words, without)

    def tiers(self):
        """Return [(rank, engine query)], best first, each tier apart from the next."""
        names = self._words(names_only=True)
        strict = self._words()
        tiers = [
            (NAME, self.restrict(names)),
            (TEXT, engine.but_not(self.restrict(strict), names)),
        ]
        if self.fuzzy:
            tiers.append(
                (TYPO, engine.but_not(self.restrict(self._words(fuzzy=True)), strict))
            )
        return tiers

    # --- ranking -------------------------------------------------------------

    def ranked(self, stop):
        """Return [(pk, rank)] of the best `stop` matches, ties by name."""
        if self.nothing:
            return []
        if self._ranked_all or len(self._ranked) >= stop:
            return self._ranked[:stop]
        found = []
        key = text.key(self.query)
        exact_pks = []
        if key:
            sql, params = engine.key_sql(self.model, key)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                exact_pks = sorted({row[0] for row in cursor.fetchall()})
        if engine.is_postgres():
            matches = self._counted(self.match())
            if not matches.approximate and matches.ranks is not None:
                # Every match is known with its tier: no page needs a read.
                exact = set(exact_pks)
                self._ranked = [
                    (pk, EXACT if pk in exact else matches.ranks[pk])
                    for pk in matches.pks  # in name order
                ]
                self._ranked.sort(key=lambda hit: -hit[1])  # stable: names within
                self._ranked_all = True
                return self._ranked[:stop]
        exact = engine.among(
            self.model, self.match(), exact_pks[:100], hidden=self.hidden
        )
        found += [(pk, EXACT) for pk in exact]
        seen = set(exact)
        complete = True
        for rank, query in self.tiers():
            if query == engine.never():
                continue
            if len(found) >= stop:
                complete = False
                break
            want = stop - len(found) + len(seen)
            pks = self._in_name_order(query, want, rank)
            complete = complete and len(pks) < want
            found += [(pk, rank) for pk in pks if pk not in seen][: stop - len(found)]
            seen.update(pks)
        self._ranked = found
        self._ranked_all = complete and len(found) < stop
        return found[:stop]

    def _in_name_order(self, tier, want, rank):
        """Return the pks of the first `want` matches of a rank tier in name order.

        SQLite reads the index in name order (the rowid) and stops. PostgreSQL
        reads the first span of name order expected to hold enough of them, then
        longer spans while there are too few: where the matches lie comes from
        those the count read (all of them, or the sample), so no read goes through
        all the matches of frequent words, nor through records in name order that
        match rarely.
        """
        if not engine.is_postgres():
            return engine.matching(
                self.model, tier, want, ordered=True, hidden=self.hidden
            )
        matches = self._counted(self.match())
        places, scale = matches.places, matches.scale
        if matches.approximate:
            places, scale = self._tier_sample(tier, matches, rank)
            if not places:  # few: found and sorted at once
                return engine.matching(
                    self.model, tier, want, ordered=True, hidden=self.hidden
                )
        if not places:
            return []
        if len(places) * scale <= WHOLE_TIER:
            return engine.matching(
                self.model, tier, want, ordered=True, hidden=self.hidden
            )
        # Dense matches are read by walking the records: about `scale` matches lie
        # before the first sampled one, so a page is expected within WALK_RECORDS
        # records — fewer than the matches the first span would fetch — and never
        # lies past the first sampled one (at most 16 times WALK_RECORDS records).
        share = len(places) * scale / max(self._total(), 1)
        before = places[0] / engine.GAP  # records before the first sampled match
        expected = want * before / scale
        walk = expected <= min(WALK_RECORDS, scale) and before <= 16 * WALK_RECORDS
        # A span ends where the sample says it holds MARGIN times the matches
        # still wanted (about `scale` matches lie before each sampled one, often
        # far more than wanted) and, unless walking, where as many are expected
        # at the tier's mean density, so a page of frequent words is read from
        # the few records it needs. Where matches cluster (names starting with a
        # word), spans so short find few: the next ones are GROWTH times longer,
        # up to the sample's bound (the sample is spread by a hash, not by name,
        # so it is right in clusters too); one that finds none leaves the rest
        # to the sample. A span the sample bounded that still held too few makes
        # the next one reach GROWTH times further. Every span is cut to what a
        # few stretches of name order cover exactly (engine.cover).
        found, first = [], None
        by_sample, by_density = MARGIN, MARGIN  # times the matches still wanted
        if before * share > CLUSTERED * scale:
            # At the tier's mean density far more matches would lie before the
            # first sampled one than the about `scale` that do: they cluster
            # further on (names starting with the word), and spans cut by density
            # would each find none. The sample alone bounds the spans.
            by_density = None
        while len(found) < want:
            wanted = want - len(found)
            index = bisect.bisect_left(places, first or 0)
            index += math.ceil(by_sample * wanted / scale)
            if index <= len(places):
                last, final = places[index - 1] + 1, False
            elif matches.approximate:
                last, final = None, True  # the rest of name order
            else:
                last, final = places[-1] + 1, True  # every match lies before it
            dense = cut = False  # ended by the density; cut short by the cover
            if not walk and last is not None:
                if by_density:
                    end = (first or 0) + engine.GAP * math.ceil(
                        by_density * wanted / share
                    )
                    if end < last:
                        last, final, dense = end, False, True
                # As far as a few stretches of name order cover it exactly.
                end = engine.cover(first, last)[1]
                if end < last:
                    last, final, cut = end, False, True
            read = engine.matching(
                self.model,
                tier,
                wanted,
                ordered=True,
                within=(first, last),
                walk=walk,
                hidden=self.hidden,
            )
            found += read
            if final:
                break
            first = last
            if dense and not read:
                # Not spread evenly (a cluster further on): the sample decides.
                by_density = None
            elif dense:
                by_density *= GROWTH
            elif not cut:
                by_sample *= GROWTH
        return found

    def _tier_sample(self, tier, matches, rank):
        """Return (places, scale) of a sample of a rank tier's matches, from the
        sample of all matches (places empty: the tier holds few matches), whose
        read checked each match's tier (matches.ranks; PostgreSQL, the only
        engine that reads a tier in spans).

        A tier too sparse among the matches to be located by their sample (a word
        in many texts but few names) is sampled on its own, more finely.
        """
        ranks = matches.ranks or {}  # none: nothing was read
        in_tier = [
            place
            for pk, place in zip(matches.pks, matches.places, strict=True)
            if ranks.get(pk) == rank
        ]
        if len(in_tier) >= MIN_SAMPLE // 2:
            return in_tier, matches.scale
        expected = max(len(in_tier), 0.5) * matches.scale
        level = self._deepest_sample(tier, self._level_for(expected))
        if not level:
            return [], 1
        read = sorted(self._sample(tier, level), key=lambda row: row[1])
        return [row[1] for row in read], 4**level

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        if self.nothing:
            return []
        if not self.terms:
            return list(self.records()[key])
        start, stop = key.start or 0, key.stop
        if stop is None:
            stop = self.count() if not self.approximate else start + 1000
        hits = self.ranked(stop)[start:stop]
        rank = dict(hits)
        # Unordered: the hits give the order (the queryset's own would only be
        # compiled and sorted for nothing).
        records = (
            {r.pk: r for r in self.queryset.filter(pk__in=rank).order_by()}
            if rank
            else {}
        )
        page = []
        for pk, _rank in hits:
            if pk in records:
                records[pk].search_rank = rank[pk]
                page.append(records[pk])
        return page

    def __len__(self):
        return self.count()

    ordered = True

    # --- counting ------------------------------------------------------------

    def count(self):
        if self.nothing:
            return 0
        if self._count is None:
            if not self.terms and not set(self.filters) - {"status"}:
                self._count, self.approximate = self._total(), False
            else:
                matches = self._counted(self.match())
                self._count, self.approximate = matches.count, matches.approximate
        return self._count

    def _counted(self, query, without=()):
        """Return the Counted matches of query (facets in without left out).

        Up to a limit, matches are counted: EXACT_LIMIT for the result itself,
        OTHERS_LIMIT for a facet counted without its own filter (its counts only
        rank the other values to choose from). Past it, the count is estimated
        from sample level L (about 1 record in 4**L, fixed by a hash of the pk):
        the deepest level holding at least MIN_SAMPLE matches. That level is a fact
        of the data, so every engine estimates alike; where the search for it
        starts (the engine's own guess of the count, or the directory's totals)
        decides only how many samples are read. Deeper samples are shorter reads.
        """
        if not query:
            return Counted(self._total(), False, 1, [], [], None)
        limit = OTHERS_LIMIT if without else EXACT_LIMIT
        if (query, limit) not in self._counts:
            self._counts[(query, limit)] = self._count_or_estimate(
                query, without, limit
            )
        return self._counts[(query, limit)]

    def _count_or_estimate(self, query, without, limit):
        # A directory this small is counted outright; otherwise ask the engine.
        if self._total() <= limit:
            guess = 0
        else:
            guess = engine.estimated_matches(self.model, query)
        if guess is None:
            guess = self._word_share() * self._filtered_share(without) * self._total()
        few = 1.5 * limit
        # A facet counted without its own filter (its counts only rank the other
        # values to choose from) is estimated from a sample half as large.
        least = MIN_SAMPLE // 2 if without else MIN_SAMPLE
        start = self._level_for(guess)
        if guess > limit * COUNT_FIRST:
            # Likely many: sampled first. A sample saying they may be few enough
            # sends them to be counted outright after all; one of n matches errs
            # by about 1/sqrt(n) of its estimate, so one more than two such errors
            # past the limit (wrongly so in about 1 case in 40) is kept as it is,
            # rather than counted outright only to find more than the limit.
            level = self._deepest_sample(query, start, at_most=few, least=least)
            read = self._sample(query, level) if level else []
            estimate = len(read) * 4**level
            if estimate > min(few, limit * (1 + 2 / math.sqrt(max(len(read), 1)))):
                groups = self._sample_groups(query, level) if level else None
                return counted(estimate, True, 4**level, read, groups)
        every, groups = self._every(query, without, limit)
        if len(every) <= limit:
            return counted(len(every), False, 1, every, groups)
        start = self._level_for(max(guess, few))
        level = self._deepest_sample(query, start, least=least)
        if not level:
            return counted(len(every), True, 1, every)
        read = self._sample(query, level)
        scale = 4**level
        return counted(
            max(len(read) * scale, limit + 1),
            True,
            scale,
            read,
            self._sample_groups(query, level),
        )

    def _every(self, query, without, limit):
        """Return ([(pk, place, …)] of up to limit + 1 matches of query, groups).

        On PostgreSQL the same read counts the facets of up to limit matches
        (groups; else None), and of the matches themselves (nothing left out)
        checks whether each matches the words in names, and as typed (not a
        typo): their rank tiers, so a page of up to the limit needs no read of
        its own (see ranked)."""
        postgres = engine.is_postgres()
        checks = self._checks(query)
        key = (query, limit + 1, checks)
        if key not in self._matches:
            read = engine.matching(
                self.model,
                query,
                limit + 1,
                places=True,
                checks=checks,
                hidden=self.hidden,
                grouped_up_to=limit if postgres else None,
            )
            self._matches[key], self._groups[key] = read if postgres else (read, None)
        return self._matches[key], self._groups[key]

    def _checks(self, query):
        """Return the queries each match of query read is also checked against
        (PostgreSQL, the matches themselves: nothing left out): the words in
        names, and as typed (not a typo) — the match's rank tier."""
        if engine.is_postgres() and self.terms and query == self.match():
            return (self._words(names_only=True), self._words())
        return ()

    def _sample(self, query, level):
        """Return [(pk, place)] of the matches of query in sample level (up to
        WIDE_SAMPLE + 1); on PostgreSQL [(pk, place, in names, as typed)] of the
        matches themselves (see _checks), their rank tiers. The deeper levels are
        nested in this one, and a record's levels follow from its pk: a complete
        read answers for them too. PostgreSQL groups the facets of what it reads
        in the same statement, by level (see _sample_groups)."""
        key = (query, "sample", level)
        if key not in self._matches:
            postgres = engine.is_postgres()
            read = engine.matching(
                self.model,
                query,
                WIDE_SAMPLE + 1,
                places=True,
                checks=self._checks(query),
                sample=level,
                hidden=self.hidden,
                grouped_by_depth=postgres,
            )
            rows, groups = read if postgres else (read, None)
            self._matches[key], self._groups[key] = rows, groups
            if len(rows) <= WIDE_SAMPLE:
                depths = [(engine.sample_depth(row[0]), row) for row in rows]
                for deeper in range(level + 1, engine.SAMPLE_LEVELS + 1):
                    self._matches[(query, "sample", deeper)] = [
                        row for depth, row in depths if depth >= deeper
                    ]
                    self._groups[(query, "sample", deeper)] = groups
        return self._matches[key]

    def _sample_groups(self, query, level):
        """Return [(facet, value, n)] over the matches of query in sample level,
        from its read's groups (None where none were grouped: SQLite)."""
        self._sample(query, level)
        groups = self._groups.get((query, "sample", level))
        if groups is None:
            return None
        counts = {}
        for facet, value, depth, n in groups:
            if depth >= level:
                counts[(facet, value)] = counts.get((facet, value), 0) + n
        return [(facet, value, n) for (facet, value), n in counts.items()]

    def _deepest_sample(self, query, level, at_most=None, least=MIN_SAMPLE):
        """Return the deepest sample level holding at least `least` matches of
        query (0 when none does), searching from level; or, given at_most, the
        first level read whose `least` or more matches stand for no more."""
        deepest = engine.SAMPLE_LEVELS
        counts = {}
        while True:
            counts[level] = len(self._sample(query, level))
            n = counts[level]
            if at_most and least <= n and n * 4**level <= at_most:
                return level
            enough = [lvl for lvl, n in counts.items() if n >= least]
            few = [lvl for lvl, n in counts.items() if n < least]
            last_enough = max(enough, default=0)
            first_few = min(few, default=deepest + 1)
            if first_few == last_enough + 1:
                return last_enough
            if enough and first_few > deepest:
                # Deeper, until too few: jump to where twice the minimum is expected.
                n = counts[last_enough]
                step = math.floor(math.log(max(n / (2 * least), 1), 4))
                if n > WIDE_SAMPLE:
                    step = max(step, 2)  # the read stopped short: more are there
                level = min(deepest, last_enough + max(step, 1))
            elif enough:
                level = (last_enough + first_few) // 2
            else:
                # Too few so far: jump shallower, to where the minimum is expected.
                n = max(counts[first_few], 0.5)
                level = first_few - 1
                while level > 1 and n * 4 ** (first_few - level) < least:
                    level -= 1

    def _level_for(self, expected):
        """Return the sample level expected to hold about SAMPLE_TARGET matches."""
        level = math.ceil(math.log(max(expected, 1) / SAMPLE_TARGET, 4))
        return min(max(level, 1), engine.SAMPLE_LEVELS)

    def _word_share(self):
        """SQLite: the share of records the words would keep if they were
        independent, from FTS5's vocabulary (PostgreSQL's planner guesses itself)."""
        if engine.is_postgres() or not self.terms:
            return 1.0
        alternatives = [
            [a for a in term.alternatives if a.expansions != []]
            + [text.Alternative([word]) for word in term.fuzzy]
            for term in self.terms
        ]
        words, prefixes = set(), set()
        for alternative in (a for alts in alternatives for a in alts):
            words.update(alternative.tokens[:-1])
            if alternative.prefix and alternative.expansions:
                words.update(alternative.expansions)
            elif alternative.prefix:
                prefixes.add(alternative.tokens[-1])
            else:
                words.add(alternative.tokens[-1])
        counts = self.memo(
            ("words", engine.kind(self.model), *sorted(words), "|", *sorted(prefixes)),
            lambda: engine.document_counts(self.model, words, prefixes),
        )
        total = max(self._total(), 1)
        share = 1.0
        for alts in alternatives:
            found = 0
            for a in alts:
                last = a.tokens[-1]
                if a.prefix and a.expansions:
                    tail = sum(counts.get(w, 0) for w in a.expansions)
                else:
                    tail = counts.get(last, 0)
                found += min([tail, *(counts.get(t, 0) for t in a.tokens[:-1])])
            share *= min(1.0, found / total)
        return share

    def _filtered_share(self, without=()):
        """Return the share of the shown records the filters would keep if they
        were independent (from the directory's totals)."""
        if self._directory is None:
            facets = [f for f in self.values if f != "status"] or ["all"]
            self._directory = {(f, v): n for f, v, n in self._totals(facets)}
        total = max(self._total(), 1)
        share = 1.0
        for facet, values in self.values.items():
            if facet in ("status", *without):
                continue
            found = sum(self._directory.get((facet, v), 0) for v in values)
            share *= min(1.0, found / total)
        return share

    def _total(self):
        return sum(row[2] for row in self._totals(["all"]))

    def _totals(self, facets):
        """Return [(facet, value, n)] of the directory's totals for facets."""
        statuses = self.values.get("status")
        rows = self.memo(
            ("totals", engine.kind(self.model), tuple(statuses or ())),
            lambda: self._read_totals(statuses),
        )
        return [row for row in rows if row[0] in facets]

    def _read_totals(self, statuses):
        where, params = "kind = %s", [engine.kind(self.model)]
        if statuses is not None:
            where += " AND status IN (" + ", ".join(["%s"] * len(statuses)) + ")"
            params += statuses
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT facet, value, SUM(n) FROM {engine.TOTAL_TABLE} WHERE {where}"
                " GROUP BY facet, value HAVING SUM(n) > 0",
                params,
            )
            return [(f, v, int(n)) for f, v, n in cursor.fetchall()]

    def memo(self, key, compute):
        """Return compute(), kept for this version of the index and database."""
        return memo(key, compute, self._memo_key)

    # --- facets --------------------------------------------------------------

    def facet_counts(self, facets, leave_own_out=True):
        """Return FacetCounts of facets over the matches.

        leave_own_out: each facet is counted without its own filter, so that its
        other values stay selectable (as the pages show them); otherwise every
        facet is counted over the matches themselves (as the API reports them).
        """
        if not leave_own_out:
            return self._facet_rows(list(facets), ())
        rest = [f for f in facets if f not in self.filters]
        parts = [self._facet_rows(rest, ())] if rest else []
        parts += [self._facet_rows([f], (f,)) for f in facets if f in self.filters]
        return _merged(parts, facets)

    def _facet_rows(self, facets, without):
        if self.nothing:
            return FacetCounts({facet: [] for facet in facets})
        query = self.match(without)
        if not self.terms and not set(self.filters) - {"status", *without}:
            rows, approximate = self._totals(facets), False
        else:
            found = self._counted(query, without)
            approximate = found.approximate
            if found.groups is not None:  # counted with the matches
                rows = [row for row in found.groups if row[0] in facets]
            else:
                rows = grouped(self.model, found.pks, facets) if found.count else []
            if approximate:
                rows = [(f, v, n * found.scale) for f, v, n in rows]
        counts = label_rows(self.model, rows, facets)
        counts.approximate = approximate
        return counts


def memo(key, compute, version_key=None):
    """Return compute(), kept in this process for this version of the index and
    database (every write raises the version: it is never stale); version_key:
    (database name, version) when the caller has read the version already."""
    if version_key is None:
        version_key = (connection.settings_dict["NAME"], engine.version())
    key = (*version_key, *key)
    if key not in _MEMO:
        if len(_MEMO) > 1000:
            _MEMO.clear()
        _MEMO[key] = compute()
    return _MEMO[key]


def counted(count, approximate, scale, read, groups=None):
    """Return a Counted of count, from read: [(pk, place)] of the matches counted,
    or [(pk, place, in names, as typed)]: their rank tiers too; groups: their
    facet counts, when the read counted them."""
    read = sorted(read, key=lambda row: row[1])
    ranks = None
    if read and len(read[0]) == 4:
        ranks = {
            pk: NAME if names else TEXT if typed else TYPO
            for pk, _place, names, typed in read
        }
    return Counted(
        count,
        approximate,
        scale,
        [row[0] for row in read],
        [row[1] for row in read],
        ranks,
        groups,
    )


def grouped(model, pks, facets):
    """Return [(facet, value, count)] over the records pks, grouped in the database."""
    if not pks:
        return []
    pk_condition, pk_params = engine.one_of("record_id", pks)
    if engine.is_postgres():
        # From the facet values beside each document: rows the search has just
        # read, not the facet table's pages.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT f, COUNT(*) FROM {engine.table(model)}, unnest(facets) f"
                f" WHERE {pk_condition} AND split_part(f, ':', 1) = ANY(%s)"
                " GROUP BY f",
                [*pk_params, list(facets)],
            )
            return [(*engine.facet_pair(f), n) for f, n in cursor.fetchall()]
    facet_condition, facet_params = engine.one_of("facet", facets)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT facet, value, COUNT(*) FROM {engine.FACET_TABLE} WHERE kind = %s"
            # IS TRUE: the facets filter the rows read, rather than multiplying
            # the index look-ups (one per record and facet) as a key condition.
            f" AND {pk_condition} AND ({facet_condition}) IS TRUE"
            " GROUP BY facet, value",
            [engine.kind(model), *pk_params, *facet_params],
        )
        return cursor.fetchall()


def _merged(parts, facets):
    result = FacetCounts({facet: [] for facet in facets})
    for part in parts:
        result.approximate |= part.approximate
        result.update({facet: rows for facet, rows in part.items() if facet in result})
    return result


class QuerysetFound:
    """The same interface over a plain queryset (orderings and filters the index
    does not hold: founding years, an organisation's mechanisms, sort by name…).

    without(facet) returns the queryset with that facet's filter left out;
    selected names the facets filtered on.
    """

    terms = None  # planned by the queryset's own search, if any

    def __init__(self, queryset, without, selected):
        self.queryset, self.without, self.selected = queryset, without, set(selected)
        self.approximate = False

    def count(self):
        from .facets import cached_count

        return cached_count(self.queryset)

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        return self.queryset[key]

    ordered = True

    def facet_counts(self, facets, leave_own_out=True):
        from .facets import facet_counts

        own = [f for f in facets if f in self.selected] if leave_own_out else []
        rest = [f for f in facets if f not in own]
        parts = [facet_counts(self.queryset, rest)] if rest else []
        parts += [facet_counts(self.without(f), [f]) for f in own]
        return _merged(parts, facets)


class Merged:
    """The results of several record types (Found or QuerysetFound) as one list,
    best first, ties by name: each is asked for only as many records as a page
    needs. Slices are records; the pages and the API's search build on this."""

    def __init__(self, founds):
        self.founds = list(founds)
        self.approximate = False
        # The query as the index saw it (each type planned the same words).
        self.terms = next((f.terms for f in self.founds if f.terms), None)

    def count(self):
        total = sum(found.count() for found in self.founds)
        self.approximate = any(found.approximate for found in self.founds)
        return total

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        records = [record for found in self.founds for record in found[: key.stop]]
        records.sort(
            key=lambda r: (-getattr(r, "search_rank", 0), r.name, r._meta.label, r.pk)
        )
        return records[key]


def base_statuses(queryset):
    """Return the statuses queryset is narrowed to: a list, "all" (no filter at
    all), or None when it is narrowed by anything else (the index cannot answer)."""
    from django.db.models.lookups import Exact, In

    where = queryset.query.where
    if not where.children:
        return "all"
    if where.connector != "AND" or where.negated:
        return None
    statuses = None
    for child in where.children:
        target = getattr(getattr(child, "lhs", None), "target", None)
        if not isinstance(child, Exact | In) or getattr(target, "name", "") != "status":
            return None
        values = [child.rhs] if isinstance(child, Exact) else list(child.rhs)
        values = [str(v) for v in values]
        statuses = values if statuses is None else [v for v in statuses if v in values]
    return statuses


def find(queryset, query):
    """Return the matches of query in queryset: from the index when queryset is
    narrowed by status at most, else from the ORM (coopdir.search.search)."""
    from . import search

    statuses = base_statuses(queryset)
    if statuses is None:
        return QuerysetFound(search(queryset, query), lambda facet: None, ())
    values = {} if statuses == "all" else {"status": statuses}
    return Found(queryset, query, values, records=lambda: queryset)
