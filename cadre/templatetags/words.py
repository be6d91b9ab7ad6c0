"""The shared words of `cadre.words` for templates."""

from django import template

from cadre import words

register = template.Library()


@register.filter
def listed(items) -> str:
    """{{ quarters|listed }}: the items as a list a user reads in the page's language."""
    return words.listed(items)
