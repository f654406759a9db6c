/*
 * Draw the locations of a page on a Leaflet map. Progressive enhancement: the
 * address list is the content; this only adds a map beside it. No inline script
 * is needed: every .map element names its list (data-map-for), list items carry
 * data-lat / data-lng / data-label. The tile URL comes from the server setting
 * MAP_TILE_URL; without it (or without a reachable tile server) the markers are
 * drawn on a plain background.
 */
(function () {
  "use strict";

  function markersFrom(list) {
    var items = list.querySelectorAll("[data-lat][data-lng]");
    var points = [];
    for (var i = 0; i < items.length; i++) {
      var lat = parseFloat(items[i].getAttribute("data-lat"));
      var lng = parseFloat(items[i].getAttribute("data-lng"));
      if (!isNaN(lat) && !isNaN(lng)) {
        points.push({ lat: lat, lng: lng, label: items[i].getAttribute("data-label") || "" });
      }
    }
    return points;
  }

  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function draw(element) {
    var list = document.getElementById(element.getAttribute("data-map-for"));
    var points = list ? markersFrom(list) : [];
    if (!points.length || typeof window.L === "undefined") {
      return;
    }
    element.hidden = false;
    var map = window.L.map(element, { scrollWheelZoom: false, keyboard: true });
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, {
        maxZoom: 18,
        attribution: element.getAttribute("data-tile-attribution") || ""
      }).addTo(map);
    }
    var bounds = [];
    points.forEach(function (point) {
      var marker = window.L.circleMarker([point.lat, point.lng], {
        radius: 9, weight: 3, color: "#00437a", fillColor: "#ffbf47", fillOpacity: 1
      }).addTo(map);
      // Leaflet inserts a string as HTML; a location name is provider-editable
      // text, so tooltip and popup get a DOM node holding a text node instead.
      marker.bindTooltip(textNode(point.label));
      marker.bindPopup(textNode(point.label));
      bounds.push([point.lat, point.lng]);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 14);
    } else {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    }
  }

  function init() {
    var maps = document.querySelectorAll(".map[data-map-for]");
    for (var i = 0; i < maps.length; i++) {
      try {
        draw(maps[i]);
      } catch (error) {
        maps[i].hidden = true; // the list still shows every address
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
