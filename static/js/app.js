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

  // A file (CSV, zip, calendar, JSON…) asked for by a boosted link or form comes back as a
  // one-time link (hub/core/downloads.py). Go there as a plain navigation, which saves the file
  // and leaves this page as it is; htmx itself would keep the link or button marked busy.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    var target = xhr && xhr.status === 204 && xhr.getResponseHeader("HX-Redirect");
    if (target && target.indexOf("/download/") === 0) {
      event.preventDefault();
      window.location.assign(target);
    }
  });

  // The menu's "More" (a <details>) closes like a menu: on Escape, giving the focus back to its
  // button, and on a tap or click anywhere else. The next page brings a closed one.
  function openMore() {
    return document.querySelector("details[data-nav-more][open]");
  }
  document.addEventListener("keydown", function (event) {
    var more = event.key === "Escape" && openMore();
    if (!more) return;
    more.open = false;
    more.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    var more = openMore();
    if (more && !more.contains(event.target)) more.open = false;
  });

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

  // A form that failed shows an error summary at its top (GOV.UK's pattern): focus it, so a
  // screen reader reads it out, and bring it into view, so a phone shows it at once.
  function showErrorSummary(within) {
    var summary = within.matches && within.matches("[data-error-summary]")
      ? within : within.querySelector("[data-error-summary]");
    if (!summary) return false;
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
    // htmx scrolls a boosted page to the top after its afterSettle handlers: scroll again after it.
    window.setTimeout(function () {
      if (document.activeElement === summary) summary.scrollIntoView({ block: "start" });
    }, 0);
    return true;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { showErrorSummary(document); });
  } else {
    showErrorSummary(document);
  }

  // After a boosted navigation the summary of a failed form wins; otherwise focus moves to the
  // main content, for screen readers. A swap of one part looks only inside that part, so
  // nothing else on the page (a badge refreshed, a list reloaded) takes the focus away.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (showErrorSummary(event.detail.boosted ? document : event.target)) return;
    if (event.detail.boosted) {
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    }
  });

  // A link in the summary moves focus to its field and shows the field's question with it:
  // the legend of a group of choices, or the field's label.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) return;
    var control = target.matches("input, select, textarea, button")
      ? target : target.querySelector("input:not([type=hidden]), select, textarea");
    if (!control) return;
    event.preventDefault();
    var fieldset = control.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    var label = (control.id && document.querySelector("label[for='" + CSS.escape(control.id) + "']"))
      || control.closest("label");
    var question = legend && control.type && /^(radio|checkbox)$/.test(control.type) ? legend : label || legend;
    var details = control.closest("details");
    if (details) details.open = true;
    control.focus({ preventScroll: true });
    (question || control).scrollIntoView({ block: "start" });
    // A long question (a legend above many choices) must not push the field itself off screen.
    if (control.getBoundingClientRect().bottom > window.innerHeight) control.scrollIntoView({ block: "nearest" });
  });
})();
