/* The offline wallet, on the page's side (the service worker keeps the copy, see sw.js):
 * - a logged-in page asks the worker to refresh the kept wallet (it does when the copy is old);
 * - a kept copy shown offline says since when it was saved, and reloads when the phone is online;
 * - the offline page links to the wallet when one is kept;
 * - "forget this phone" clears the phone (worker caches, push, drafts, our localStorage keys)
 *   before the form logs out. */
(function () {
  "use strict";

  var script = document.currentScript;
  var worker = "serviceWorker" in navigator ? navigator.serviceWorker : null;
  var STORAGE_PREFIX = "ungehub";  // our localStorage keys all start with it

  function ask(message) {
    // A message to the worker controlling this page, and its answer (null when there is none).
    return new Promise(function (resolve) {
      if (!worker || !worker.controller) return resolve(null);
      var channel = new MessageChannel();
      var timer = setTimeout(function () { resolve(null); }, 3000);
      channel.port1.onmessage = function (event) {
        clearTimeout(timer);
        resolve(event.data);
      };
      worker.controller.postMessage(message, [channel.port2]);
    });
  }

  function ago(milliseconds, language) {
    var minutes = Math.round(milliseconds / 60000);
    var format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
    if (minutes < 60) return format.format(-minutes, "minute");
    if (minutes < 48 * 60) return format.format(-Math.round(minutes / 60), "hour");
    return format.format(-Math.round(minutes / 1440), "day");
  }

  function showKept(wallet) {
    var offline = document.getElementById("offline");
    var head = document.getElementById("wallet-head");
    var age = wallet.querySelector(".wallet-age");
    var madeAt = Number(wallet.dataset.madeAt);
    age.textContent = age.dataset.template.replace("{when}", ago(Date.now() - madeAt, document.documentElement.lang));
    offline.hidden = false;
    if (head) head.hidden = true;  // "You are offline" is the page's heading now
    window.addEventListener("online", function () {
      wallet.querySelector(".wallet-back").hidden = false;
      reloadWhenReachable();
    });
  }

  function reloadWhenReachable() {
    // "online" can come before the server answers (or the worker's network is back): ask first.
    fetch("/healthz", { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error("not yet");
      window.location.reload();
    }).catch(function () {
      if (navigator.onLine) setTimeout(reloadWhenReachable, 2000);
    });
  }

  function showCodesValidNow(wallet) {
    // Of today's and tomorrow's offline codes, the one good now; none left: say so.
    var now = Date.now();
    wallet.querySelectorAll(".wallet-voucher").forEach(function (voucher) {
      var shown = false;
      voucher.querySelectorAll(".wallet-code").forEach(function (code) {
        var valid = !shown && Number(code.dataset.validFrom) <= now && now < Number(code.dataset.validUntil);
        code.hidden = !valid;
        shown = shown || valid;
      });
      voucher.querySelector(".wallet-expired").hidden = shown;
    });
  }

  function forgetLocally() {
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        if (localStorage.key(i).indexOf(STORAGE_PREFIX) === 0) keys.push(localStorage.key(i));
      }
      keys.forEach(function (key) { localStorage.removeItem(key); });
    } catch (error) {
      // No localStorage here: nothing to clear.
    }
    return ask({ type: "forget-phone" });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-forget-phone]") || form.dataset.cleared) return;
    event.preventDefault();
    forgetLocally().then(function () {
      form.dataset.cleared = "1";
      form.submit();  // the server ends the login and shows the login page
    });
  });

  function start() {
    var wallet = document.getElementById("wallet");
    if (wallet) {
      showCodesValidNow(wallet);
      if (wallet.dataset.copy === "kept") showKept(wallet);
      return;
    }
    var link = document.getElementById("offline-wallet");
    if (link) {
      ask({ type: "wallet-kept" }).then(function (answer) { link.hidden = !(answer && answer.kept); });
    }
    if (script && script.hasAttribute("data-refresh-wallet") && navigator.onLine && worker) {
      if (worker.controller) worker.controller.postMessage({ type: "wallet-refresh" });
      else worker.addEventListener("controllerchange", refreshOnce);  // the first visit: not yet controlled
    }
  }

  function refreshOnce() {
    worker.removeEventListener("controllerchange", refreshOnce);
    if (worker.controller) worker.controller.postMessage({ type: "wallet-refresh" });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // htmx's boosted links swap the body without loading this script again.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.boosted) start();
  });
})();
