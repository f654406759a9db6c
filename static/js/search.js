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
