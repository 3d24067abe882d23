"""The editors' forms: the article form (WYSIWYG body, checked images, tags, optimistic lock,
workflow checks), the image library's upload and the importer's upload."""

import copy
import re

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget
from taggit.models import Tag
from taggit.utils import parse_tags

from .. import workflow
from ..html import plain_text as plain_text_of
from ..images import check_image_upload, image_limits, image_name_for_format
from ..models import Article, Author, InlineImage, LiveUpdate, Section
from ..services import inline_image_save
from .widgets import focal_point_fields

# What the body editor offers; the server's allowlist (html.py) stays the security boundary.
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "HeadingId": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "Figure": {"pickerUrl": reverse_lazy("admin:articles_inlineimage_picker")},
    "Caption": True,
    "Image": True,
    "HTML": True,
    "History": True,
}

# Buttons in the article form: POST name -> workflow action, from the workflow table.
WORKFLOW_BUTTONS = {button: transition.name for button, transition in workflow.BUTTONS.items()}


def workflow_action(data):
    """Return the workflow action a POST asks for, or None for a plain save."""
    transition = workflow.transition_for_post(data)
    return transition.name if transition else None


class ImageUploadField(forms.ImageField):
    """An image upload checked for size, pixels and real image data, renamed after its real format."""

    widget = AdminFileWidget

    def to_python(self, data):
        if data in self.empty_values:
            return None
        image_format = check_image_upload(data)
        checked = super().to_python(data)
        checked.name = image_name_for_format(checked.name, image_format)
        return checked


# Fields added to the article form later than the rest.
KEPT_WHEN_ABSENT = ("kind", "lead_image_focal_x", "lead_image_focal_y")


def lead_image_help_text():
    return (
        gettext(
            "JPEG, PNG, WebP or GIF, at most %(size)s and %(megapixels)s megapixels. "
            "Sizes for phones are made once."
        )
        % image_limits()
    )


class ArticleAdminForm(forms.ModelForm):
    """The article form: WYSIWYG body, checked lead image, tags, optimistic lock and workflow checks.

    ArticleAdmin.get_form() sets `user` and `action` (the workflow button pressed) on the class.
    """

    user = None
    action = None

    body = ProseEditorFormField(
        label=_("body"),
        required=False,
        config={"extensions": BODY_EDITOR_EXTENSIONS},
        widget=AdminProseEditorWidget,
        help_text=_(
            "Subheadings (H2/H3) make the table of contents; their anchors stay when you reword them. "
            "Images come from the image library (the picture button, then “Browse…”)."
        ),
    )
    lead_image = ImageUploadField(
        label=_("lead image"),
        required=False,
        # Lazy: the limits come from settings (IMAGE_MAX_MB, IMAGE_MAX_MEGAPIXELS) when the form is shown.
        help_text=lazy(lead_image_help_text, str)(),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
    )
    new_tags = forms.CharField(
        label=_("new tags"),
        required=False,
        help_text=_("Comma-separated tags that don't exist yet, e.g. “Timur Tengah, Qatar”."),
    )
    mark_as_update = forms.BooleanField(
        label=_("mark as update"),
        required=False,
        help_text=_(
            "For a published article: readers see “Diperbarui” with this time. Leave it off for typo fixes."
        ),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 -- ArticleAdmin.fieldsets picks the fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("headline", "slug", "seo_title"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "vLargeTextField"
        if "base_version" in self.fields:
            self.fields["base_version"].initial = self.instance.version if self.instance.pk else None
        # Absent from a POST (a script, an older form): the stored value stands (clean_<field>).
        for name in KEPT_WHEN_ABSENT:
            if name in self.fields:
                self.fields[name].required = False
        lead_image = self.instance.lead_image
        focal_point_fields(
            self, "lead_image_focal_x", "lead_image_focal_y", lead_image.url if lead_image else ""
        )
        if self.instance.kind == Article.Kind.GALLERY and "lead_image" in self.fields:
            self.fields["lead_image"].help_text = _(
                "Untuk galeri foto, gambar utama mengikuti foto sampul yang dipilih di pengelola galeri."
            )

    def _kept_when_absent(self, name):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value

    def clean_kind(self):
        return self._kept_when_absent("kind")

    def clean_lead_image_focal_x(self):
        return self._kept_when_absent("lead_image_focal_x")

    def clean_lead_image_focal_y(self):
        return self._kept_when_absent("lead_image_focal_y")

    def clean(self):
        cleaned = super().clean()
        if "tags" in self.fields:
            existing = list(cleaned.get("tags") or [])
            known = {tag.name.casefold() for tag in existing}
            # taggit's set() accepts Tag objects and names alike; names it knows are reused.
            cleaned["tags"] = existing + [
                name for name in parse_tags(cleaned.get("new_tags", "")) if name.casefold() not in known
            ]
        self.check_version(cleaned)
        self.check_action(cleaned)
        return cleaned

    def check_version(self, cleaned):
        """Refuse a save based on an older version than the one stored: someone else saved meanwhile."""
        if not self.instance.pk or "base_version" not in self.fields:
            return
        base = cleaned.get("base_version")
        current = (
            Article.objects.filter(pk=self.instance.pk)
            .values("version", "last_edited_by__username", "modified_at")
            .first()
        )
        if base is None or current is None or current["version"] == base:
            return
        compare_url = reverse("admin:articles_article_compare", args=[self.instance.pk])
        who = current["last_edited_by__username"] or gettext("someone else")
        when = timezone.localtime(current["modified_at"])
        self.conflict = {"base": base, "current": current["version"]}
        raise forms.ValidationError(
            format_html(
                '{} <a href="{}?from_version={}&amp;to_version={}">{}</a>',
                gettext(
                    "{who} saved this article at {time} after you opened it, so your changes were not saved "
                    "(nothing was overwritten). Your text is still in the form below: compare it with "
                    "theirs, reload the article and apply your changes again."
                ).format(who=who, time=f"{when:%H:%M:%S}"),
                compare_url,
                base,
                current["version"],
                gettext("See what changed"),
            ),
            code="conflict",
        )

    def check_action(self, cleaned):
        """Ask the workflow table whether the button pressed may be pressed, and check its input."""
        if self.action is None:
            return
        transition = workflow.transition_for(self.action)
        # self.instance still holds the stored article here: the table judges its real state.
        try:
            transition.check(self.instance, self.user)
        except PermissionDenied as denied:
            raise forms.ValidationError(str(denied) or _("You may not do that."), code="denied") from denied
        except workflow.WorkflowError as error:
            self.add_error(None, str(error))
        trial = copy.copy(self.instance)
        try:
            transition.apply(
                trial,
                at=cleaned.get("published_at", self.instance.published_at),
                reason=cleaned.get("withdrawn_reason", self.instance.withdrawn_reason),
            )
            # Ready as it will be saved: a story type chosen in this form counts.
            trial.kind = cleaned.get("kind", trial.kind)
            transition.check_ready(trial)
        except workflow.WorkflowError as error:
            self.add_error(error.field if error.field in self.fields else None, str(error))


class InlineImageForm(forms.ModelForm):
    image = ImageUploadField(label=_("image"))

    class Meta:
        model = InlineImage
        fields = ["image", "alt_text", "caption", "credit"]


class InlineImageChangeForm(InlineImageForm):
    """A stored library image: its description and its focal point, picked on the image."""

    class Meta(InlineImageForm.Meta):
        fields = [*InlineImageForm.Meta.fields, "focal_x", "focal_y"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        image = self.instance.image
        focal_point_fields(self, "focal_x", "focal_y", image.url if image else "")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class ArticleImportForm(forms.Form):
    """Step one of the admin importer: the files and the options import_articles takes."""

    MAX_FILES = 50

    files = MultipleFileField(
        label=_("text files"),
        help_text=_("One article per UTF-8 .txt file, in the seed's format. Several files at once are fine."),
    )
    section = forms.ModelChoiceField(label=_("section"), queryset=Section.objects.all())
    tags = forms.CharField(label=_("tags"), required=False, help_text=_("Comma-separated."))
    authors = forms.CharField(
        label=_("authors"),
        required=False,
        help_text=_("Comma-separated; replaces the files' Penulis/Reporter lines."),
    )
    status = forms.ChoiceField(label=_("status"), choices=[])
    publish_at = forms.SplitDateTimeField(
        label=_("publish time"),
        required=False,
        widget=forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time"}),
        help_text=_("With “Published”, a future time schedules the articles."),
    )

    def __init__(self, *args, can_publish=False, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [Article.Status.DRAFT, Article.Status.REVIEW]
        if can_publish:
            statuses.append(Article.Status.PUBLISHED)
        self.fields["status"].choices = [(status.value, status.label) for status in statuses]

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > self.MAX_FILES:
            raise forms.ValidationError(
                _("At most %(max)d files at once."), params={"max": self.MAX_FILES}, code="too_many"
            )
        return files


class GalleryPhotoForm(forms.Form):
    """One row of the gallery manager: the photo's library image described, its place, remove or not.

    The prefix is "photo-<id>", so rows added by an upload (without a reload)
    and rows removed meanwhile need no formset bookkeeping.
    """

    alt_text = forms.CharField(
        label=_("teks alternatif"),
        max_length=InlineImage._meta.get_field("alt_text").max_length,
        required=False,
        help_text=_("Wajib sebelum galeri diterbitkan: apa yang tampak di foto."),
    )
    caption = forms.CharField(
        label=_("keterangan"), max_length=InlineImage._meta.get_field("caption").max_length, required=False
    )
    credit = forms.CharField(
        label=_("kredit"), max_length=InlineImage._meta.get_field("credit").max_length, required=False
    )
    focal_x = forms.FloatField(min_value=0, max_value=1, initial=0.5)
    focal_y = forms.FloatField(min_value=0, max_value=1, initial=0.5)
    position = forms.IntegerField(label=_("urutan"), min_value=1)
    remove = forms.BooleanField(label=_("hapus dari galeri"), required=False)

    def __init__(self, *args, photo, thumbnail_url="", **kwargs):
        image = photo.image
        kwargs.setdefault(
            "initial",
            {
                "alt_text": image.alt_text,
                "caption": image.caption,
                "credit": image.credit,
                "focal_x": image.focal_x,
                "focal_y": image.focal_y,
                "position": photo.position + 1,
            },
        )
        super().__init__(*args, prefix=f"photo-{photo.pk}", **kwargs)
        self.photo = photo
        focal_point_fields(self, "focal_x", "focal_y", thumbnail_url or image.image.url)
        self.fields["position"].widget.attrs.update(min=1, **{"class": "gallery-row__position-input"})
        for name in ("alt_text", "caption", "credit"):
            self.fields[name].widget.attrs["class"] = "vTextField"


class LiveUpdateForm(forms.ModelForm):
    """One live update, from the compact live desk: short enough to fill in on a phone.

    The text is plain (paragraphs between blank lines; an address alone on a line
    becomes its embed) or HTML; either way the model sanitizes it. A photo from
    the phone goes to the image library and leads the update.
    """

    body = forms.CharField(
        label=_("update"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
        help_text=_(
            "Paragraphs between blank lines. An address (YouTube, X, …) alone on a line is embedded."
        ),
    )
    photo = ImageUploadField(label=_("photo"), required=False, widget=forms.ClearableFileInput)
    photo_alt = forms.CharField(
        label=_("photo alt text"), required=False, max_length=250, help_text=_("Required with a photo.")
    )
    photo_caption = forms.CharField(label=_("photo caption"), required=False, max_length=300)

    class Meta:
        model = LiveUpdate
        fields = ["title", "body", "author", "is_key", "is_correction"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs.update({"class": "vLargeTextField", "autocomplete": "off"})
        self.fields["author"].queryset = Author.objects.order_by("name")
        self.fields["author"].empty_label = "—"
        for field in self.fields.values():
            field.label = capfirst(field.label)
        if self.instance.pk is None and user is not None:
            self.fields["author"].initial = (
                Author.objects.filter(user=user).values_list("pk", flat=True).first()
            )
        if self.instance.pk is not None:
            self.fields.pop("photo"), self.fields.pop("photo_alt"), self.fields.pop("photo_caption")

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if "<" not in body:
            body = paragraphs_html(body)
        if not plain_text_of(body).strip() and "<img" not in body and "http" not in body:
            raise forms.ValidationError(_("Write the update."))
        return body

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("photo") and not cleaned.get("photo_alt", "").strip():
            self.add_error("photo_alt", _("Describe the photo for readers who cannot see it."))
        return cleaned

    def update_fields(self, by):
        """Return what the services take for this update; a photo is stored in the library first."""
        data = self.cleaned_data
        body = data["body"]
        if data.get("photo"):
            image = inline_image_save(
                image=InlineImage(
                    image=data["photo"], alt_text=data["photo_alt"], caption=data["photo_caption"]
                ),
                by=by,
            )
            caption = (
                format_html("<figcaption>{}</figcaption>", data["photo_caption"])
                if data["photo_caption"]
                else ""
            )
            figure = format_html(
                '<figure><img src="{}" alt="{}">{}</figure>', image.image.url, image.alt_text, caption
            )
            body = f"{figure}{body}"
        return {**{name: data[name] for name in ("title", "author", "is_key", "is_correction")}, "body": body}


def paragraphs_html(text):
    """Plain text as paragraphs: a blank line between them, a single line break kept as <br>."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if block.strip()]
    return "".join(
        format_html("<p>{}</p>", mark_safe("<br>".join(escape(line) for line in block.split("\n"))))
        for block in blocks
    )
