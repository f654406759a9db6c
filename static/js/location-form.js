/*
 * The provider's location form, enhanced. Without this script "Zoek adres" is
 * an ordinary submit and the server fills the form in; with it the lookup
 * happens in place (GET data-lookup-url, JSON) and a map shows the pin, which
 * the provider can drag or place with a click. The latitude and longitude
 * fields stay the keyboard alternative: typing there moves the pin. No inline
 * script (CSP); values go into fields and text nodes only, never HTML.
 */
(function () {
  "use strict";
  // The European Netherlands, as registry/validators.py NL_LATITUDE/LONGITUDE.
  var NL = [[50.70, 3.20], [53.70, 7.30]];
  var CENTRE = [52.37, 5.22]; // Almere: where a new location most likely is
  var LOOKUP = ["postcode", "house_number", "house_letter", "house_number_addition"];
  var FILLED = ["street", "house_number", "house_letter", "house_number_addition",
    "postcode", "city", "latitude", "longitude"];

  function field(form, name) {
    return form.elements.namedItem(name);
  }

  function say(status, text, warning) {
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle("notice--warning", !!warning);
  }

  function firstError(errors) {
    var names = Object.keys(errors || {});
    return names.length ? { name: names[0], text: errors[names[0]][0] } : null;
  }

  function lookup(form, status, pin) {
    var params = new URLSearchParams();
    LOOKUP.forEach(function (name) { params.set(name, field(form, name).value); });
    var url = form.getAttribute("data-lookup-url") + "?" + params.toString();
    say(status, "…");
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (result.ok) {
          FILLED.forEach(function (name) {
            if (name in result.body.address) {
              field(form, name).value = result.body.address[name];
            }
          });
          say(status, result.body.message, false);
          pin.fromFields();
          return;
        }
        var error = firstError(result.body.errors);
        say(status, error ? error.text : result.body.message, true);
        if (error && field(form, error.name)) {
          field(form, error.name).focus();
        }
      })
      .catch(function () {
        // Offline or an unreadable answer: let the server try (it shows its own notice).
        form.requestSubmit(form.querySelector("button[name=lookup]"));
      });
  }

  function pinOnMap(form, element) {
    var latField = field(form, "latitude");
    var lonField = field(form, "longitude");
    var api = { fromFields: function () {} };
    if (!element || typeof window.L === "undefined") {
      return api;
    }
    element.hidden = false;
    var map = window.L.map(element, {
      scrollWheelZoom: false, keyboard: true, maxBounds: NL, maxBoundsViscosity: 1.0, minZoom: 7
    });
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, {
        maxZoom: 19, attribution: element.getAttribute("data-tile-attribution") || ""
      }).addTo(map);
    }
    var icon = window.L.divIcon({ className: "map-marker", html: "<span></span>", iconSize: [24, 24] });
    var marker = null;

    function inside(latlng) {
      return window.L.latLngBounds(NL).contains(latlng);
    }

    function toFields(latlng) {
      latField.value = latlng.lat.toFixed(5);
      lonField.value = latlng.lng.toFixed(5);
    }

    function place(latlng, zoom) {
      if (!marker) {
        marker = window.L.marker(latlng, {
          draggable: true, icon: icon, keyboard: true,
          title: element.getAttribute("data-marker-label") || ""
        }).addTo(map);
        marker.on("dragend", function () {
          if (inside(marker.getLatLng())) {
            toFields(marker.getLatLng());
          } else {
            api.fromFields(); // back to the last valid place
          }
        });
      }
      marker.setLatLng(latlng);
      map.setView(latlng, zoom || Math.max(map.getZoom() || 0, 16));
    }

    api.fromFields = function () {
      var lat = parseFloat(latField.value);
      var lon = parseFloat(lonField.value);
      if (!isNaN(lat) && !isNaN(lon) && inside(window.L.latLng(lat, lon))) {
        place(window.L.latLng(lat, lon));
      }
    };
    map.on("click", function (event) {
      if (inside(event.latlng)) {
        place(event.latlng, map.getZoom());
        toFields(event.latlng);
      }
    });
    latField.addEventListener("change", api.fromFields);
    lonField.addEventListener("change", api.fromFields);
    map.setView(CENTRE, 11);
    api.fromFields();
    return api;
  }

  function init() {
    var form = document.querySelector("form.location-form[data-lookup-url]");
    if (!form) {
      return;
    }
    var status = document.getElementById("address-lookup-status");
    var pin;
    try {
      pin = pinOnMap(form, document.getElementById("location-map"));
    } catch (error) {
      document.getElementById("location-map").hidden = true; // the fields still work
      pin = { fromFields: function () {} };
    }
    var button = form.querySelector("button[name=lookup]");
    if (button && window.fetch && window.URLSearchParams) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        lookup(form, status, pin);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
