"""Admin widgets: the focal-point picker."""

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


class FocalPointWidget(forms.Widget):
    """The across (x) coordinate of a focal point, picked by clicking on the image or with arrow keys.

    It renders the image with a marker and the 16:9 and 1:1 crop outlines
    (static/articles/admin/focal-point.js); the down (y) coordinate is the
    form's matching "..._y" field, shown as a hidden input. Set image_url on
    the form's widget instance; without one there is nothing to click yet.
    Values are 0..1 with three decimals, as articles.images.crop_box takes them.
    """

    template_name = "admin/articles/widgets/focal_point.html"
    image_url = ""
    label = _("Titik fokus")

    class Media:
        css = {"all": ["articles/admin/admin.css"]}
        js = ["articles/admin/focal-point.js"]

    def __init__(self, attrs=None, *, y_name):
        super().__init__(attrs)
        self.y_name = y_name

    def format_value(self, value):
        try:
            return f"{min(1.0, max(0.0, float(value))):.3f}"
        except (TypeError, ValueError):
            return "0.500"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        x_id = context["widget"]["attrs"].get("id", "")
        # The y field is rendered by its own HiddenInput: same prefix, its own name.
        suffix = name.rsplit("-", 1)[-1]
        context["widget"].update(
            image_url=self.image_url,
            y_id=x_id[: len(x_id) - len(suffix)] + self.y_name if x_id.endswith(suffix) else "",
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine, not the form renderer's: the template lives in templates/admin/.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))


def focal_point_fields(form, x_name, y_name, image_url):
    """Show form's x_name/y_name fields as one focal-point picker on image_url."""
    if x_name not in form.fields or y_name not in form.fields:
        return
    form.fields[x_name].widget = FocalPointWidget(y_name=y_name)
    form.fields[x_name].widget.image_url = image_url
    form.fields[x_name].label = _("titik fokus")
    form.fields[x_name].help_text = _(
        "Klik bagian terpenting gambar (atau fokuskan gambar dan pakai tombol panah); potongan 16:9 dan 1:1 "
        "selalu memuatnya. Bawaan: tengah."
    )
    form.fields[y_name].widget = forms.HiddenInput()
