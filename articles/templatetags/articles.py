from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

register = template.Library()

# "Rabu, 25 November 2026 17:48 WIB": weekday, date, time and zone, as Indonesian portals print it.
READER_DATETIME_FORMAT = "l, j F Y H:i T"


@register.simple_tag
def show_time(value, css_class=""):
    """Render a datetime as <time> in the site's zone and the reader's language."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}"{}>{}</time>',
        local.isoformat(timespec="minutes"),
        format_html(' class="{}"', css_class) if css_class else "",
        format_date(local, READER_DATETIME_FORMAT),
    )
