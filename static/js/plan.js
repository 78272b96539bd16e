/* "Print my plan": the browser's print dialog, with the plan's print stylesheet (app.css).
 * Loaded only on the plan page; no inline scripts (the CSP forbids them). A boosted visit runs
 * no page scripts, so the button is also a plain link to /plan?print=1: that full page load
 * runs this file, which opens the dialog once and takes ?print=1 out of the address again. */
(function () {
  "use strict";
  if (window.ungehubPlanPrint) return;
  window.ungehubPlanPrint = true;

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });

  var params = new URLSearchParams(window.location.search);
  if (params.get("print") === "1") {
    window.addEventListener("load", function () {
      window.history.replaceState(window.history.state, "", window.location.pathname + window.location.hash);
      window.print();
    });
  }
})();
