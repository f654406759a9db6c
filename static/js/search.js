/*
 * Search page enhancement: on a narrow screen the filter panel starts folded so
 * the results come first. Without JavaScript the panel is simply open.
 */
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (!filters || !window.matchMedia) {
    return;
  }
  var hasErrors = document.querySelector(".error-summary");
  if (window.matchMedia("(max-width: 47.99em)").matches && !hasErrors) {
    filters.open = false;
  }
})();

/*
 * "Gebruik mijn locatie": with the browser's geolocation (when it has one and
 * the visitor allows it) fill the hidden lat/lon fields, clear the postcode
 * and search. Without JavaScript or geolocation the button stays hidden and the
 * postcode field does the same job.
 */
(function () {
  "use strict";
  var button = document.getElementById("use-my-location");
  var form = document.getElementById("search-form");
  if (!button || !form || !navigator.geolocation) {
    return;
  }
  var status = document.getElementById("my-location-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.busy || "…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("f-lat").value = position.coords.latitude.toFixed(5);
        document.getElementById("f-lon").value = position.coords.longitude.toFixed(5);
        document.getElementById("f-postcode").value = "";
        form.submit();
      },
      function () {
        status.textContent = button.dataset.refused || "";
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
