from django import forms
from django.utils.translation import gettext_lazy as _

from ijw.models import ExperienceAnswer

_CHOICES = ExperienceAnswer.Answer.choices
_MARKS = [(str(n), str(n)) for n in range(1, 11)]


class ExperienceForm(forms.Form):
    """The four questions in plain language (B1). Rules: ``ijw.experience``."""

    on_time = forms.ChoiceField(
        label=_("Kreeg uw kind op tijd hulp?"),
        choices=_CHOICES,
        widget=forms.RadioSelect,
    )
    helped = forms.ChoiceField(
        label=_("Heeft de hulp geholpen?"), choices=_CHOICES, widget=forms.RadioSelect
    )
    heard = forms.ChoiceField(
        label=_("Werd er goed naar u en uw kind geluisterd?"),
        choices=_CHOICES,
        widget=forms.RadioSelect,
    )
    mark = forms.ChoiceField(
        label=_("Welk cijfer geeft u de hulp? (1 is heel slecht, 10 is heel goed)"),
        choices=_MARKS,
        widget=forms.RadioSelect,
    )
    remark = forms.CharField(
        label=_("Wilt u nog iets zeggen? (mag leeg blijven)"),
        help_text=_("Schrijf geen namen en geen BSN op."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
