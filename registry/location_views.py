"""The provider's location form (/mijn/locaties/...): the address as the BAG
keeps it, filled from PDOK Locatieserver, with a pin the provider can move.

"Zoek adres" is an ordinary submit button (``lookup``): without JavaScript the
server looks the postcode and house number up and shows the form again, filled
in and not yet saved. ``static/js/location-form.js`` does the same in place
through ``address_lookup`` (JSON) and adds the map. When PDOK cannot be reached
the form says so and works by hand. Another organisation's location is "not
found" (404), as on every provider page.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry import pdok, selectors, services
from registry.forms import LocationForm


@login_required
def location_edit(request, pk):
    location = get_object_or_404(
        selectors.location_list_for_editor(actor=request.user), pk=pk
    )
    return _location_page(request, location.organisation, location)


@login_required
def location_create(request, pk):
    organisation = get_object_or_404(
        selectors.organisation_list_for_editor(actor=request.user), pk=pk
    )
    return _location_page(request, organisation, None)


def _location_page(request, organisation, location):
    form = LocationForm(request.POST or None, instance=location)
    if request.method != "POST":
        return _render(request, form, organisation, location)
    if "lookup" in request.POST:
        form, notice, status = _lookup_into_form(form, location)
        return _render(request, form, organisation, location, status, notice)
    if form.is_valid() and _save(request, form, organisation, location):
        if location is None:
            messages.success(request, _("De locatie is toegevoegd."))
        else:
            messages.success(request, _("De locatie is opgeslagen."))
        return redirect("provider:organisation-edit", pk=organisation.pk)
    return _render(request, form, organisation, location, 400)


def _save(request, form, organisation, location) -> bool:
    try:
        if location is None:
            services.location_create(
                organisation=organisation, actor=request.user, data=form.changes()
            )
        else:
            services.location_update(
                location=location, actor=request.user, data=form.changes()
            )
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


def _lookup_into_form(form, location):
    """(form, Notice or "", status) after "Zoek adres": the form filled from PDOK, or
    the form with the reason on the field, or a notice that PDOK is away."""
    query = form.lookup_query()
    if query is None:
        return form, "", 400
    try:
        answer = _ask_pdok(query)
    except pdok.Unavailable:
        refilled = LocationForm(instance=location, initial=form.posted_values())
        return refilled, Notice(_unavailable_message(), warning=True), 200
    if answer.address is None:
        form.add_error("house_number", _not_found_message(answer))
        return form, "", 400
    found = answer.address
    initial = {**form.posted_values(), **_found_values(found)}
    refilled = LocationForm(instance=location, initial=initial)
    return refilled, Notice(_found_message(found)), 200


def _ask_pdok(query: dict) -> pdok.AddressAnswer:
    return pdok.address_lookup(
        query["postcode"],
        query["house_number"],
        query["house_letter"],
        query["house_number_addition"],
    )


def _found_values(found: pdok.Address) -> dict:
    values = {
        "street": found.street,
        "house_number": found.house_number,
        "house_letter": found.house_letter,
        "house_number_addition": found.house_number_addition,
        "postcode": found.postcode,
        "city": found.city,
    }
    if found.latitude is not None and found.longitude is not None:
        values["latitude"] = f"{found.latitude:.5f}"
        values["longitude"] = f"{found.longitude:.5f}"
    return values


@dataclass(frozen=True)
class Notice:
    text: str
    warning: bool = False

    def __str__(self) -> str:
        return self.text


def _found_message(found: pdok.Address) -> str:
    return _("Adres gevonden: %(label)s. Controleer het en sla de locatie op.") % {
        "label": found.label or found.street
    }


def _unavailable_message() -> str:
    return _(
        "Het adres kan nu niet automatisch worden opgezocht (PDOK is niet "
        "bereikbaar). Vul straat en plaats zelf in; de speld op de kaart kunt u "
        "later zetten."
    )


def _not_found_message(answer: pdok.AddressAnswer) -> str:
    if answer.alternatives:
        return _(
            "Bij deze postcode en dit huisnummer horen de adressen %(numbers)s. "
            "Vul de huisletter of toevoeging in."
        ) % {"numbers": ", ".join(answer.alternatives)}
    return _(
        "Geen adres gevonden bij deze postcode en dit huisnummer. Controleer "
        "ze, of vul het adres zelf in."
    )


def _render(request, form, organisation, location, status=200, notice=""):
    context = {
        "form": form,
        "organisation": organisation,
        "location": location,
        "notice": notice,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "provider/location_form.html", context, status=status)


@never_cache
@login_required
@require_GET
def address_lookup(request):
    """JSON for location-form.js: the BAG address at ``postcode`` and
    ``house_number`` (plus ``house_letter``, ``house_number_addition``).
    Only for people who may edit a location (else 404); 400 names the field,
    404 says nothing was found, 503 that PDOK cannot be reached."""
    if not selectors.organisation_list_for_editor(actor=request.user).exists():
        raise Http404
    form = LocationForm(request.GET)
    query = form.lookup_query()
    if query is None:
        errors = {name: list(errs) for name, errs in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    try:
        answer = _ask_pdok(query)
    except pdok.Unavailable:
        return JsonResponse({"message": _unavailable_message()}, status=503)
    if answer.address is None:
        message = _not_found_message(answer)
        return JsonResponse({"errors": {"house_number": [message]}}, status=404)
    found = answer.address
    return JsonResponse(
        {"address": _found_values(found), "message": _found_message(found)}
    )
