/* Push notifications on this phone: turn on, turn off, and the friendly offer after booking.
 * Never asks on its own: the browser's prompt only follows a tap on "Turn on". */
(function () {
  "use strict";

  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  var iOS = /iPad|iPhone|iPod/.test(navigator.userAgent);
  var standalone = navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data)
    }).then(function (response) {
      if (!response.ok) throw new Error("push " + response.status);
      return response.json();
    });
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function currentSubscription() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        return { registration: registration, subscription: subscription };
      });
    });
  }

  function turnOn(box) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") return permission === "denied" ? "blocked" : "off";
      return currentSubscription().then(function (found) {
        return found.subscription || found.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.dataset.pushKey)
        });
      }).then(function (subscription) {
        return post(box.dataset.pushUrl, subscription.toJSON()).then(function () { return "on"; });
      });
    });
  }

  function turnOff(box) {
    return currentSubscription().then(function (found) {
      if (!found.subscription) return "off";
      var endpoint = found.subscription.endpoint;
      return found.subscription.unsubscribe().then(function () {
        return post(box.dataset.unsubscribeUrl, { endpoint: endpoint });
      }).then(function () { return "off"; });
    });
  }

  // Which state the phone is in; a phone that has a subscription tells the server again, so the
  // device follows whoever is logged in now.
  function detect(box) {
    if (!supported) return Promise.resolve(iOS && !standalone ? "ios" : "unsupported");
    if (Notification.permission === "denied") return Promise.resolve("blocked");
    return currentSubscription().then(function (found) {
      if (!found.subscription || Notification.permission !== "granted") return "off";
      return post(box.dataset.pushUrl, found.subscription.toJSON()).then(function () { return "on"; });
    });
  }

  function show(box, state) {
    box.querySelectorAll("[data-push-state]").forEach(function (el) {
      el.hidden = el.dataset.pushState !== state;
    });
    box.querySelectorAll("[data-push-action=on], [data-push-action=off]").forEach(function (el) {
      el.hidden = !((state === "off" && el.dataset.pushAction === "on") || (state === "on" && el.dataset.pushAction === "off"));
    });
    box.dataset.state = state;
  }

  function setUp(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var offer = box.classList.contains("push-offer");
    detect(box).then(function (state) {
      // The offer after booking only speaks to a phone that could say yes and has not been asked.
      if (offer) {
        var dismissed = window.localStorage && localStorage.getItem("ungehub-push-offer") === "no";
        var canAsk = state === "off" && Notification.permission === "default";
        box.hidden = dismissed || !(canAsk || state === "ios");
      }
      show(box, state);
    }).catch(function () { show(box, "error"); });

    box.addEventListener("click", function (event) {
      var button = event.target.closest("[data-push-action]");
      if (!button) return;
      var action = button.dataset.pushAction;
      if (action === "dismiss") {
        if (window.localStorage) localStorage.setItem("ungehub-push-offer", "no");
        box.hidden = true;
        return;
      }
      button.disabled = true;
      (action === "on" ? turnOn(box) : turnOff(box)).then(function (state) {
        show(box, state);
        if (!offer) window.location.reload();  // the device list changed
      }).catch(function () {
        show(box, "error");
      }).then(function () { button.disabled = false; });
    });
  }

  function scan(root) {
    (root || document).querySelectorAll(".push-setup, .push-offer").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
})();
