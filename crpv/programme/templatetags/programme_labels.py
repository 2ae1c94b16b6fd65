"""French labels for the codes a parsed (not yet saved) programme carries."""

from django import template

from crpv.programme.models.programme import Format, Period, Unit

register = template.Library()


def _label(choices, value):
    return choices(value).label if value in choices.values else value


@register.filter
def unit_label(value):
    return _label(Unit, value)


@register.filter
def period_label(value):
    return _label(Period, value)


@register.filter
def format_label(value):
    return _label(Format, value)
