"""What readers type: search and the news index by day, where bad input gets a 400 page, not a 500."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .search import clean_query

# Dates outside this range are typos; refusing them also keeps date arithmetic far from its limits.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


class ReaderDateField(forms.DateField):
    """A YYYY-MM-DD date (what <input type="date"> sends) within sensible bounds."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("error_messages", {"invalid": _("Enter a date as YYYY-MM-DD.")})
        super().__init__(**kwargs)

    def clean(self, value):
        day = super().clean(value)
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(_("Enter a date between 1900 and 2999."), code="out_of_range")
        return day


class SectionSlugField(forms.CharField):
    """A section's slug, turned into the Section from the request's section tree."""

    def __init__(self, *, sections, **kwargs):
        self.sections = sections
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        slug = super().clean(value)
        if not slug:
            return None
        section = self.sections.get(slug)
        if section is None:
            raise forms.ValidationError(_("There is no such section."), code="unknown_section")
        return section


class QueryField(forms.CharField):
    """Search words: never refused for their content or size, only cleaned and cut (search.clean_query)."""

    def to_python(self, value):
        return clean_query(super().to_python(value))


class SearchForm(forms.Form):
    q = QueryField(required=False)
    section = forms.CharField(required=False)
    start = ReaderDateField()
    end = ReaderDateField()

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"] = SectionSlugField(sections=sections)

    def add_prefix(self, field_name):
        # In the URL the range reads as readers expect: ?from=...&to=...
        return {"start": "from", "end": "to"}.get(field_name, field_name)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error(
                "end", forms.ValidationError(_("The end date is before the start date."), code="order")
            )
        return cleaned


class ArticleIndexForm(forms.Form):
    date = ReaderDateField()
    section = forms.CharField(required=False)

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"] = SectionSlugField(sections=sections)
