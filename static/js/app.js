/* Ungehub's small script: the service worker, and a full page load when htmx cannot reach
 * the server (so the service worker can show the offline page). No inline scripts: the
 * Content Security Policy forbids them. */
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig || {};
    if (config.verb === "get" && config.boosted) {
      window.location.href = config.path;
    }
  });

  // htmx swaps only the body: keep <html lang> in step with the text, for screen readers.
  document.addEventListener("htmx:afterSwap", function (event) {
    var xhr = event.detail.xhr;
    var language = xhr && xhr.getResponseHeader("Content-Language");
    if (language && event.detail.boosted) document.documentElement.lang = language;
  });

  // Move focus to the main content after a boosted navigation, for screen readers.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.boosted) {
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    }
  });
})();
