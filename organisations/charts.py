"""Key figures as charts: numbers written for people and the bars that draw them.

Everything here is worked out at render time from the stored figures; a value
derived from a stated change (the prior year) is marked so and never saved.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from .models import UNIT_TEXTS, FigureBase, Qualifier, Unit
from .templatetags.directory import chinese_page

# Money in words people use ("5.3 trillion yuan", "5.3万亿元"); counts as the
# figure tables write them ("14 bodies").
MONEY_TEXTS = {
    Unit.CNY: ngettext_lazy("%(n)s yuan", "%(n)s yuan", "count"),
    Unit.USD: ngettext_lazy("%(n)s US dollar", "%(n)s US dollars", "count"),
    Unit.EUR: ngettext_lazy("%(n)s euro", "%(n)s euros", "count"),
}

# The large-number words of each language, largest first: English counts in
# thousands (million, billion, trillion), Chinese in myriads (万, 亿, 万亿).
SCALES = {
    "en": (
        (12, ngettext_lazy("%(n)s trillion", "%(n)s trillion", "count")),
        (9, ngettext_lazy("%(n)s billion", "%(n)s billion", "count")),
        (6, ngettext_lazy("%(n)s million", "%(n)s million", "count")),
    ),
    "zh": (
        (12, ngettext_lazy("%(n)s trillion", "%(n)s trillion", "count")),
        (8, ngettext_lazy("%(n)s hundred million", "%(n)s hundred million", "count")),
        (4, ngettext_lazy("%(n)s ten thousand", "%(n)s ten thousand", "count")),
    ),
}
# An exact value keeps at most this many decimals in its scale ("1,045.99 billion"
# rather than "1.04599 trillion"); a chart's labels keep this many digits.
EXACT_DECIMALS = 3
LABEL_DIGITS = 4
DERIVED_DIGITS = 3


def scales():
    return SCALES["zh" if chinese_page() else "en"]


def fill(template, **parts):
    """Return template ("%(name)s …", translated) with parts put in, escaped
    unless already safe HTML."""
    return mark_safe(
        escape(template) % {key: conditional_escape(v) for key, v in parts.items()}
    )


def number_text(value):
    """Return value (a Decimal) with the page language's grouping, no trailing 0s."""
    value = value.normalize()
    if value.as_tuple().exponent > 0:
        value = value.quantize(Decimal(1))
    places = max(0, -value.as_tuple().exponent)
    return number_format(value, decimal_pos=places, force_grouping=True)


def significant(value, digits, whole=True):
    """Return value rounded to digits significant digits; whole: never into its
    units (12,345 stays 12,345)."""
    if not value:
        return Decimal(0)
    exponent = value.adjusted() - digits + 1
    exponent = min(exponent, 0) if whole else exponent
    rounded = value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return rounded if whole else Decimal(format(rounded, "f"))


def scaled(value, digits=None):
    """Return (number text, plural count) for value in the page's large-number
    words: exact (at most EXACT_DECIMALS decimals in the word chosen), or rounded
    to digits significant digits."""
    value = abs(Decimal(value))
    for power, words in scales():
        unit = Decimal(10) ** power
        if value < unit:
            continue
        number = value / unit
        if digits is not None:
            number = significant(number, digits)
        elif -number.normalize().as_tuple().exponent > EXACT_DECIMALS:
            continue
        return str(words % {"n": number_text(number), "count": 2}), 2
    number = significant(value, digits) if digits is not None else value
    count = int(number) if number == number.to_integral_value() else 2
    return number_text(number), count


def amount_text(value, unit, digits=None, qualifier=Qualifier.EXACT):
    """Return value with its unit for people: "5.3 trillion yuan", "5.3万亿元",
    "14 bodies"; exact, or rounded to digits significant digits."""
    number, count = scaled(value, digits)
    texts = MONEY_TEXTS.get(unit) or UNIT_TEXTS.get(unit)
    text = str(texts % {"n": number, "count": count}) if texts else f"{number} {unit}"
    if qualifier != Qualifier.EXACT:
        text = _("%(qualifier)s %(value)s") % {
            "qualifier": Qualifier(qualifier).label,
            "value": text,
        }
    return text


def change_text(pct):
    """Return a change in per cent, signed, kept on one line: "+14.2 %"."""
    sign = "+" if pct > 0 else ""
    text = _("%(number)s %%") % {"number": number_text(Decimal(pct))}
    return sign + text.replace(" ", "\u00a0")


def prior_value(figure):
    """Return the previous year's value a stated change implies (not stored)."""
    return figure.value / (1 + figure.change_pct / 100)


@dataclass
class Bar:
    label: str
    lang: str
    value: Decimal
    text: str  # as the bar's label shows it (rounded)
    exact: str  # as the table shows it
    width: float = 0.0  # per cent of the chart's longest bar
    depth: int = 0
    derived: bool = False
    note: str = ""

    @property
    def data(self):
        """The value as a machine reads it (a table's <data value>)."""
        return format(self.value.normalize(), "f")


@dataclass
class Chart:
    kind: str  # "segments", "parts" or "change"
    title: str
    bars: list = field(default_factory=list)
    # A change chart's figures: (label, lang, [prior year's bar, year's bar], change)
    rows: list = field(default_factory=list)

    def drawable(self):
        bars = self.bars + [bar for row in self.rows for bar in row[2]]
        return all(bar.value >= 0 for bar in bars)

    def scale(self):
        """Size every bar against the longest; a change chart's pairs each
        against their own longer bar."""
        groups = [bars for _label, _lang, bars, _change in self.rows] or [self.bars]
        for bars in groups:
            longest = max((bar.value for bar in bars), default=0)
            for bar in bars:
                width = bar.value / longest * 100 if longest else 0
                bar.width = round(float(width), 2)
        return self


def figure_label(figure, as_part=False):
    """Return (text, lang) naming a figure in a chart: on English pages the
    source's words (a part's segment); on Chinese pages its sector or metric in
    Chinese where the data allows, else the English marked as English."""
    if not chinese_page():
        return (figure.segment if as_part and figure.segment else figure.label), "en"
    if as_part and figure.sector:
        return figure.sector.label, figure.sector.label_language
    metric = figure.metric != FigureBase.Metric.OTHER
    parent = getattr(figure, "chart_parent", None)
    if metric and not (as_part and parent and parent.metric == figure.metric):
        text = figure.get_metric_display()
        if figure.sector and not as_part:
            text = f"{text} · {figure.sector.label}"
        return text, "zh-Hans"
    return (figure.segment or figure.label) if as_part else figure.label, "en"


def unique_labels(bars, figures, as_part):
    """Fall back to the source's English words where two bars would read alike."""
    texts = [bar.label for bar in bars]
    for bar, figure in zip(bars, figures, strict=True):
        if texts.count(bar.label) > 1 and bar.lang != "en":
            bar.label = figure.segment if as_part and figure.segment else figure.label
            bar.lang = "en"
    return bars


def figure_bar(figure, as_part=False, depth=0):
    label, lang = figure_label(figure, as_part)
    return Bar(
        label=label,
        lang=lang,
        value=figure.value,
        text=amount_text(figure.value, figure.unit, LABEL_DIGITS, figure.qualifier),
        exact=amount_text(figure.value, figure.unit, None, figure.qualifier),
        depth=depth,
    )


def translation_lang():
    return "zh-Hans" if chinese_page() else "en"


def html_label(text, lang):
    return format_html('<span lang="{}">{}</span>', lang, text)


def segment_charts(roots, period):
    """Root figures of one metric and unit, each a segment: "Turnover by segment"."""
    by_metric = {}
    for figure in roots:
        if figure.segment or figure.sector_id:
            by_metric.setdefault((figure.metric, figure.unit), []).append(figure)
    charts = []
    for figures in by_metric.values():
        if len(figures) < 2:
            continue
        metric = html_label(figures[0].get_metric_display(), translation_lang())
        title = fill(
            _("%(period)s: %(metric)s by segment"), metric=metric, period=period
        )
        bars = [figure_bar(f, as_part=True) for f in figures]
        charts.append(Chart("segments", title, unique_labels(bars, figures, True)))
    return charts


def parts_charts(roots, parts_of, period):
    """A total and the parts the source names ("among them"), on one scale."""
    charts = []
    for root in roots:
        parts = [p for p in parts_of.get(root.pk, []) if p.unit == root.unit]
        if not parts:
            continue
        for part in parts:
            part.chart_parent = root
        total = figure_bar(root)
        title = fill(
            _("%(period)s: %(figure)s and its parts"),
            figure=html_label(total.label, total.lang),
            period=period,
        )
        bars = unique_labels(
            [figure_bar(p, as_part=True, depth=1) for p in parts], parts, True
        )
        charts.append(Chart("parts", title, [total, *bars]))
    return charts


def change_chart(figures, year):
    """Each figure with a stated change beside the previous year it implies."""
    stated = [f for f in figures if f.change_pct is not None and f.change_pct > -100]
    if not year or not stated:
        return []
    chart = Chart("change", _("%(year)s: change on the previous year") % {"year": year})
    chart.years = (year - 1, year)
    for figure in stated:
        label, lang = figure_label(figure)
        change = change_text(figure.change_pct)
        prior = prior_value(figure)
        # Never exact: the stated value and change are themselves rounded.
        about = _("about %(value)s") % {
            "value": amount_text(prior, figure.unit, DERIVED_DIGITS)
        }
        derived = Bar(
            label=_("%(year)s (worked out)") % {"year": year - 1},
            lang=translation_lang(),
            value=significant(prior, DERIVED_DIGITS, whole=False),
            text=about,
            exact=about,
            derived=True,
            note=_("worked out from the stated %(change)s") % {"change": change},
        )
        current = figure_bar(figure)
        current.label = str(year)
        chart.rows.append((label, lang, [derived, current], change))
    return [chart]


def figure_charts(figure_groups):
    """Return the charts of figure_rows' groups, in the order of the tables."""
    charts = []
    for group in figure_groups:
        figures = [figure for figure, _depth in group["rows"]]
        ids = {f.pk for f in figures}
        roots = [f for f in figures if f.parent_id is None or f.parent_id not in ids]
        parts_of = {}
        for figure in figures:
            if figure.parent_id in ids:
                parts_of.setdefault(figure.parent_id, []).append(figure)
        years = {f.year for f in figures if f.period == FigureBase.Period.YEAR}
        year = years.pop() if len(years) == 1 else None
        period = group["period"]
        charts += segment_charts(roots, period)
        charts += parts_charts(roots, parts_of, period)
        charts += change_chart(figures, year)
    # A bar cannot draw a negative amount (a loss): such charts are left to the table.
    charts = [chart for chart in charts if chart.drawable()]
    for number, chart in enumerate(charts, start=1):
        chart.number = number
        chart.scale()
    return charts
