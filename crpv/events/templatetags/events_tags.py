from django import template
from django.utils.safestring import mark_safe

from crpv.events.richtext import sanitise_html

register = template.Library()


@register.filter
def sanitised(value):
    """Rich text cleaned again at render time (SEC-10: on save and on render)."""
    return mark_safe(sanitise_html(value))  # noqa: S308 - cleaned by nh3 with an allow-list
