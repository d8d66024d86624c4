"""Template filters of the key figure charts (organisations/charts.py)."""

from django import template

from organisations.charts import LABEL_DIGITS, amount_text

register = template.Library()


@register.filter
def rounded_amount(figure):
    """A figure's value rounded, in the page language's large-number words:
    "5.3 trillion yuan", "5.3万亿元"."""
    return amount_text(figure.value, figure.unit, LABEL_DIGITS)
