"""Response formats beyond JSON: CSV for lists, JSON-LD for details."""

import csv
import io
import re

from rest_framework.renderers import BaseRenderer, JSONRenderer

FORMULA = re.compile(r"[=+@\t\r]|-(?![\d.])")


class CSVRenderer(BaseRenderer):
    """Render a list as CSV: one row per record, multi-valued fields joined by "; "."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data.get("results", []) if isinstance(data, dict) else data
        view = (renderer_context or {}).get("view")
        # The header row even without rows: an empty result is still a CSV file.
        header = list(rows[0]) if rows else getattr(view, "csv_header", [])
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_cell(value) for key, value in row.items()})
        return out.getvalue().encode(self.charset)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_csv_cell(item) for item in value)
    if isinstance(value, dict):
        return value.get("code") or value.get("slug") or value.get("name") or ""
    text = str(value)
    # A cell a spreadsheet would run as a formula is kept as text (OWASP's advice).
    if FORMULA.match(text):
        return "'" + text
    return text


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"
