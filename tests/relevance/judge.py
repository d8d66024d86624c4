"""Judge the unified search on the seed data against tests/relevance/queries.yaml.

Each judged query names the records (by slug) that must be in the top 3 or the top
10 of /api/v1/search/. Per query: reciprocal rank of the first of them within the
first 10 results (0 when none is there), recall@10 of all of them, and whether every
top-3 record made the top 3. Groups and the whole set average these.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.test import Client

QUERIES = Path(__file__).with_name("queries.yaml")
FIGURES = Path(settings.BASE_DIR) / "docs" / "relevance.md"
DEPTH = 10
# The floors' table in docs/relevance.md: | group | MRR | recall@10 |, between these.
FLOORS_START, FLOORS_END = "<!-- floors -->", "<!-- /floors -->"


@dataclass
class Judged:
    group: str
    q: str
    top3: list
    top10: list
    params: dict = field(default_factory=dict)
    found: list = field(default_factory=list)
    notice: str = ""

    @property
    def wanted(self):
        return self.top3 + [slug for slug in self.top10 if slug not in self.top3]

    @property
    def reciprocal_rank(self):
        for rank, slug in enumerate(self.found[:DEPTH], start=1):
            if slug in self.wanted:
                return 1 / rank
        return 0.0

    @property
    def recall(self):
        return sum(s in self.found[:DEPTH] for s in self.wanted) / len(self.wanted)

    @property
    def top3_ok(self):
        return all(slug in self.found[:3] for slug in self.top3)


def load_queries(path=QUERIES):
    """Return the judged queries of the file, each a Judged, in file order."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    judged = []
    for group, entries in data["groups"].items():
        for entry in entries:
            judged.append(
                Judged(
                    group=group,
                    q=str(entry["q"]),
                    top3=list(entry.get("top3", [])),
                    top10=list(entry.get("top10", [])),
                    params=dict(entry.get("params", {})),
                )
            )
    return judged


def run(judged, client=None):
    """Ask /api/v1/search/ each query, filling in what it found."""
    client = client or Client()
    for query in judged:
        response = client.get(
            "/api/v1/search/", {"q": query.q, "page_size": DEPTH, **query.params}
        )
        assert response.status_code == 200, (query.q, response.content[:300])
        body = response.json()
        query.found = [hit["slug"] for hit in body["results"]]
        query.notice = " ".join(body.get("notices") or [])
    return judged


def figures(judged):
    """Return {group: (queries, MRR, recall@10, top-3 share)}, "overall" last."""
    groups = {}
    for query in judged:
        groups.setdefault(query.group, []).append(query)
    groups["overall"] = list(judged)
    return {
        name: (
            len(queries),
            sum(q.reciprocal_rank for q in queries) / len(queries),
            sum(q.recall for q in queries) / len(queries),
            sum(q.top3_ok for q in queries) / len(queries),
        )
        for name, queries in groups.items()
    }


def table(results):
    """Return the figures as a Markdown table."""
    lines = [
        "| group | queries | MRR | recall@10 | top-3 met |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (n, mrr, recall, top3) in results.items():
        lines.append(f"| {name} | {n} | {mrr:.3f} | {recall:.3f} | {top3:.3f} |")
    return "\n".join(lines)


def misses(judged):
    """Return a line per query short of its judgement, with what came instead."""
    lines = []
    for q in judged:
        if q.reciprocal_rank < 1 or q.recall < 1 or not q.top3_ok:
            lines.append(
                f"[{q.group}] {q.q!r}: RR {q.reciprocal_rank:.2f}, "
                f"R@10 {q.recall:.2f}; wanted {q.wanted}; got {q.found[:DEPTH]}"
            )
    return lines


def floors(path=FIGURES):
    """Return {group: (MRR, recall@10)} from the floors' table of docs/relevance.md."""
    content = Path(path).read_text(encoding="utf-8")
    section = content.split(FLOORS_START, 1)[1].split(FLOORS_END, 1)[0]
    result = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d+(\.\d+)?", cells[1]):
            result[cells[0]] = (float(cells[1]), float(cells[2]))
    return result
