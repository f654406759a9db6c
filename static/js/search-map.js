/*
 * The overview map of /zoeken: every location of the current page of results,
 * grouped into numbered clusters where they lie close together on screen (a
 * small distance clustering, redone after each zoom). Progressive enhancement: the
 * result list (with its locations) is the content and stays equivalent; this
 * adds the map beside it. Markers are Leaflet markers, so they are reachable
 * with Tab and open with Enter: a cluster zooms in, a single location shows a
 * link to its service. No inline script (CSP): data comes from data-* attributes.
 */
(function () {
  "use strict";
  var CELL = 48; // px: points closer than this on screen share a cluster

  function pointsFrom(list) {
    var items = list.querySelectorAll("[data-lat][data-lng]");
    var points = [];
    for (var i = 0; i < items.length; i++) {
      var lat = parseFloat(items[i].getAttribute("data-lat"));
      var lng = parseFloat(items[i].getAttribute("data-lng"));
      if (!isNaN(lat) && !isNaN(lng)) {
        points.push({
          latlng: window.L.latLng(lat, lng),
          label: items[i].getAttribute("data-label") || "",
          href: items[i].getAttribute("data-href") || ""
        });
      }
    }
    return points;
  }

  function clusters(map, points) {
    // Greedy: a point joins the first cluster whose first point lies within
    // CELL px on screen, else starts one. Cluster centres are then at least
    // CELL px apart, so no marker covers another (WCAG 2.5.8 target size).
    var groups = [];
    points.forEach(function (point) {
      var p = map.project(point.latlng, map.getZoom());
      for (var i = 0; i < groups.length; i++) {
        if (groups[i].at.distanceTo(p) < CELL) {
          groups[i].points.push(point);
          return;
        }
      }
      groups.push({ at: p, points: [point] });
    });
    return groups.map(function (group) { return group.points; });
  }

  function icon(text, many) {
    return window.L.divIcon({
      className: "map-marker" + (many ? " map-marker--cluster" : ""),
      html: "<span>" + text + "</span>",
      iconSize: many ? [36, 36] : [24, 24]
    });
  }

  function popup(point) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.href;
    link.textContent = point.label;
    box.appendChild(link);
    return box;
  }

  function draw(element) {
    var list = document.getElementById(element.getAttribute("data-map-for"));
    var points = list ? pointsFrom(list) : [];
    if (!points.length || typeof window.L === "undefined") {
      return;
    }
    element.hidden = false;
    var map = window.L.map(element, { scrollWheelZoom: false, keyboard: true, maxZoom: 18 });
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) {
      window.L.tileLayer(tiles, {
        maxZoom: 18,
        attribution: element.getAttribute("data-tile-attribution") || ""
      }).addTo(map);
    }
    var layer = window.L.layerGroup().addTo(map);
    var manyLabel = element.getAttribute("data-cluster-label") || "%n";

    function render() {
      layer.clearLayers();
      clusters(map, points).forEach(function (group) {
        var many = group.length > 1;
        var center = many
          ? window.L.latLngBounds(group.map(function (p) { return p.latlng; })).getCenter()
          : group[0].latlng;
        var title = many ? manyLabel.replace("%n", group.length) : group[0].label;
        var marker = window.L.marker(center, {
          icon: icon(many ? String(group.length) : "", many),
          title: title,
          alt: title,
          keyboard: true
        }).addTo(layer);
        if (many) {
          var open = function () {
            var bounds = window.L.latLngBounds(group.map(function (p) { return p.latlng; }));
            if (map.getZoom() >= map.getMaxZoom() || bounds.getNorthEast().equals(bounds.getSouthWest())) {
              marker.bindPopup(group.map(function (p) { return popup(p).outerHTML; }).join("")).openPopup();
            } else {
              map.fitBounds(bounds, { padding: [40, 40] });
            }
          };
          marker.on("click", open);
          // Leaflet only opens popups on Enter; a cluster zooms in instead.
          marker.on("keypress", function (event) {
            if (event.originalEvent.keyCode === 13) {
              open();
            }
          });
        } else {
          marker.bindPopup(popup(group[0]));
        }
      });
    }

    var all = window.L.latLngBounds(points.map(function (p) { return p.latlng; }));
    if (points.length === 1) {
      map.setView(points[0].latlng, 14);
    } else {
      map.fitBounds(all, { padding: [30, 30], maxZoom: 15 });
    }
    map.on("zoomend", render);
    render();
  }

  function init() {
    var element = document.getElementById("results-map");
    if (!element) {
      return;
    }
    try {
      draw(element);
    } catch (error) {
      element.hidden = true; // the list still shows every location
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
