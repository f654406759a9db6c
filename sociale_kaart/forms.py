"""One form style on every form, set as FORM_RENDERER so Django's own forms
render the same way:

- no colon after a label (NL Design System, as the referral forms already did);
- labels and controls carry the NL Design System (Utrecht) component classes,
  so the theme's tokens style them and no template has to add a class.
"""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

# Widget input type -> the Utrecht component classes of the control.
_TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
CONTROL_CLASSES = {
    "checkbox": "utrecht-checkbox utrecht-checkbox--html-input",
    "radio": "utrecht-radio-button utrecht-radio-button--html-input",
    "select": "utrecht-select utrecht-select--html-select",
    "textarea": "utrecht-textarea utrecht-textarea--html-textarea",
}
_NO_CLASS = {"hidden", "file", "submit", "button", "image", "reset"}


def control_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        # The class would land on the wrapper as well as on each option.
        return ""
    if isinstance(widget, forms.Textarea):
        return CONTROL_CLASSES["textarea"]
    if isinstance(widget, forms.Select):
        return CONTROL_CLASSES["select"]
    input_type = getattr(widget, "input_type", None)
    if input_type in CONTROL_CLASSES:
        return CONTROL_CLASSES[input_type]
    if input_type is None or input_type in _NO_CLASS:
        return ""
    return _TEXTBOX


class NoColonBoundField(BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if label_suffix is None and self.field.label_suffix is None:
            label_suffix = ""
        attrs = _with_class(attrs, "utrecht-form-label")
        return super().label_tag(contents, attrs, label_suffix, tag)

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        extra = control_class(widget or self.field.widget)
        return _with_class(attrs, extra) if extra else attrs


def _with_class(attrs, extra: str) -> dict:
    attrs = dict(attrs or {})
    have = attrs.get("class", "")
    if extra.split()[0] not in have.split():
        attrs["class"] = f"{have} {extra}".strip()
    return attrs


class SiteFormRenderer(DjangoTemplates):
    bound_field_class = NoColonBoundField
