from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation
from webhooks import services
from webhooks.models import EVENT_LABELS


class SubscriptionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none()
    )
    url = forms.URLField(
        label=_("Adres (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Een https-adres van uw systeem dat de berichten ontvangt."),
    )
    events = forms.MultipleChoiceField(
        label=_("Gebeurtenissen"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations]
        )
        if len(organisations) == 1:
            field.initial = organisations[0].pk
            field.widget = forms.HiddenInput()
        allowed = []
        for organisation in organisations:
            for event in services.events_allowed(organisation):
                if event not in allowed:
                    allowed.append(event)
        self.fields["events"].choices = [
            (event, f"{EVENT_LABELS[event]} ({event})") for event in allowed
        ]
