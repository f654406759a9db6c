/*
 * "Afdrukken" buttons (data-print): open the browser's print dialog. The button
 * is hidden until this script runs, so without JavaScript nobody sees a button
 * that does nothing (the browser's own print command still works). An external
 * file instead of onclick="...", so the Content-Security-Policy needs no
 * inline script.
 */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () {
      window.print();
    });
  }
})();
