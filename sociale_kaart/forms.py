"""One label style on every form: no colon after a label (NL Design System,
as the referral forms already did). Set as FORM_RENDERER, so every form,
Django's own included, renders its labels the same way."""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


class NoColonBoundField(BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if label_suffix is None and self.field.label_suffix is None:
            label_suffix = ""
        return super().label_tag(contents, attrs, label_suffix, tag)


class SiteFormRenderer(DjangoTemplates):
    bound_field_class = NoColonBoundField
