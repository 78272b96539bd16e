/* Messages written with no connection: kept on the phone, sent once when it is back.
 *
 * One file for two places. In a page it catches a message form sent while offline (or whose
 * POST fails on the network), keeps the draft in IndexedDB ("ungehub-drafts") and shows it
 * as "Waiting to send"; it sends waiting drafts when the page loads online and on the
 * `online` event. The service worker imports it too (see the end of static/sw.js) and sends
 * the same drafts on Background Sync ("send-drafts"), where the browser has it.
 *
 * Each draft carries its form's client key, so the server makes any second sending of it
 * (the page and the worker at once, a retry after a lost answer) into the same message.
 * Drafts are private: the worker deletes the database on logout and "forget this phone", and
 * each draft names the person who wrote it, so another person logged in on the phone never
 * sees or sends it.
 * Without JavaScript the forms work exactly as before.
 */
(function (scope) {
  "use strict";

  var DB_NAME = "ungehub-drafts";
  var STORE = "drafts";
  var SYNC_TAG = "send-drafts";
  var SENT = /^\/messages\/\d+$/; // where the server sends a person after a message is saved

  // --- the store -------------------------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); }; // let forgetDrafts() delete it
        resolve(db);
      };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { reject(new Error("drafts database blocked")); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  function allDrafts() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (drafts) {
      return (drafts || []).sort(function (a, b) { return a.created - b.created; });
    });
  }

  function putDraft(draft) {
    return withStore("readwrite", function (store) { store.put(draft); });
  }

  function removeDraft(key) {
    return withStore("readwrite", function (store) { store.delete(key); });
  }

  // --- sending ---------------------------------------------------------------------------------

  function decode(text) {
    return text
      .replace(/<[^>]*>/g, " ")
      .replace(/&#39;|&#x27;/g, "'")
      .replace(/&#34;|&quot;/g, '"')
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
      .replace(/\s+/g, " ")
      .trim();
  }

  // The server's own words for what is wrong: the field errors of a form shown again (422),
  // else the alert or the error page's text. Plain string work: a worker has no DOMParser.
  function errorText(html) {
    var found = [];
    var field = /class="field__error"[^>]*>([\s\S]*?)<\/p>/g;
    var match;
    while ((match = field.exec(html))) found.push(decode(match[1]));
    if (!found.length) {
      match = /class="alert alert--error"[^>]*>([\s\S]*?)<\/div>/.exec(html) ||
        /<main[^>]*>([\s\S]*?)<\/main>/.exec(html);
      if (match) found.push(decode(match[1]));
    }
    return found.join(" ").slice(0, 500);
  }

  // One draft, once. `token` is a fresh CSRF token from an open page; the worker has only the
  // one kept with the draft (valid for the login it was written under).
  function sendDraft(draft, token) {
    var body = new URLSearchParams();
    draft.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrf_token" && token ? token : pair[1]);
    });
    return scope.fetch(draft.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      // As a boosted form: 204 + HX-Redirect, 401 + HX-Redirect, or the whole page (422), never a fragment.
      headers: { "HX-Request": "true", "HX-Boosted": "true" },
    }).then(function (response) {
      var target = response.headers.get("HX-Redirect");
      var path = target ? new URL(target, scope.location.origin).pathname : "";
      if (response.status === 204 && SENT.test(path)) return { state: "sent", url: target };
      // Logged out meanwhile (400: the kept token went with the session), or the privacy notice
      // must be accepted. Kept: a logged-in page sends it again with its own token.
      if ([400, 401, 403].indexOf(response.status) !== -1 || target || response.type === "opaqueredirect") {
        return { state: "login" };
      }
      if (response.status === 429 || response.status >= 500) return { state: "waiting" };
      return response.text().then(function (html) {
        return { state: "failed", error: errorText(html) };
      });
    });
  }

  var running = null;

  // Every draft that may go, oldest first (a thread keeps its order). Gives back what happened,
  // and `offline` when the network failed (the rest wait for the next chance).
  function sendAll(token) {
    if (running) return running;
    running = allDrafts().then(function (drafts) {
      var results = [];
      var offline = false;
      var chain = Promise.resolve();
      drafts.forEach(function (draft) {
        chain = chain.then(function () {
          if (offline || draft.state === "failed") return;
          return sendDraft(draft, token).then(function (outcome) {
            results.push({ key: draft.key, page: draft.page, state: outcome.state, url: outcome.url || "" });
            if (outcome.state === "sent") return removeDraft(draft.key);
            if (outcome.state === "waiting") return;
            draft.state = outcome.state;
            draft.error = outcome.error || "";
            return putDraft(draft);
          }, function () {
            offline = true; // no network: nothing else goes either
          });
        });
      });
      return chain.then(function () { return { results: results, offline: offline }; });
    });
    var done = function () { running = null; };
    running.then(done, done);
    return running;
  }

  scope.UngehubDrafts = { DB_NAME: DB_NAME, SYNC_TAG: SYNC_TAG, all: allDrafts, sendAll: sendAll };

  if (typeof document === "undefined" || !scope.indexedDB) return; // the service worker: done

  // --- the page --------------------------------------------------------------------------------

  var FORMS = "form[data-drafts]";

  function newKey() {
    var bytes = new Uint8Array(24);
    scope.crypto.getRandomValues(bytes);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function freshToken() {
    var input = document.querySelector("input[name=csrf_token]");
    if (input) return input.value;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function keep(form) {
    var data = new FormData(form);
    var text = String(data.get("body") || "").trim();
    var box = form.querySelector("[name=body]");
    if (!text) {
      if (box) box.focus();
      return Promise.resolve();
    }
    var fields = [];
    data.forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
    });
    var draft = {
      key: String(data.get("client_key") || "") || newKey(),
      person: person(),
      url: form.action,
      page: location.pathname,
      body: text,
      fields: fields,
      created: Date.now(),
      state: "waiting",
      error: "",
    };
    fields.forEach(function (pair) { if (pair[0] === "client_key") pair[1] = draft.key; });
    return putDraft(draft).then(function () {
      if (box) box.value = "";
      var key = form.querySelector("[name=client_key]");
      if (key) key.value = newKey(); // the next message is another message
      askForSync();
      return render();
    });
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () {});
  }

  function show(item, state) {
    item.setAttribute("data-state", state);
    item.querySelectorAll("[data-show]").forEach(function (element) {
      element.hidden = element.getAttribute("data-show").split(" ").indexOf(state) === -1;
    });
  }

  function fill(list, draft, template) {
    var item = template.content.firstElementChild.cloneNode(true);
    item.setAttribute("data-draft-key", draft.key);
    var body = item.querySelector("[data-draft-body]");
    draft.body.split(/\n+/).forEach(function (line) {
      var paragraph = document.createElement("p");
      paragraph.textContent = line;
      body.appendChild(paragraph);
    });
    var error = item.querySelector("[data-draft-error]");
    if (error && draft.error) error.textContent = draft.error;
    var link = item.querySelector("[data-draft-page]");
    if (link) link.href = draft.page;
    show(item, draft.state);
    list.appendChild(item);
  }

  // Draw the drafts of this page (or all of them, on the message list) from the store.
  function render() {
    var boxes = document.querySelectorAll("[data-drafts-list]");
    if (!boxes.length) return Promise.resolve();
    return allDrafts().then(function (drafts) {
      boxes.forEach(function (box) {
        var list = box.querySelector("ol");
        var template = box.querySelector("template");
        var mine = drafts.filter(function (draft) {
          return box.getAttribute("data-drafts-list") === "all" || draft.page === location.pathname;
        });
        list.querySelectorAll("[data-draft-key]:not([data-state=sent])").forEach(function (item) { item.remove(); });
        mine.forEach(function (draft) { fill(list, draft, template); });
        box.hidden = !list.children.length;
      });
    }).catch(function () {});
  }

  // A draft went: a reply appears in the thread (its live part is fetched again), a new
  // conversation gets a link to itself.
  function settle(results) {
    var thread = document.getElementById("thread-live");
    var refresh = false;
    results.forEach(function (result) {
      if (result.state !== "sent") return;
      if (thread && result.page === location.pathname) {
        refresh = true;
        return;
      }
      document.querySelectorAll('[data-draft-key="' + result.key + '"]').forEach(function (item) {
        var link = item.querySelector("[data-draft-open]");
        if (link) link.href = result.url;
        show(item, "sent");
      });
    });
    if (refresh) refreshThread(thread);
    return render();
  }

  // The thread asks for news now, as it does every 10 seconds. A hiccup here (the other sender's
  // message being saved at the same moment) changes nothing: the regular poll shows it soon.
  function refreshThread(thread) {
    scope.fetch(thread.getAttribute("hx-get"), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.status !== 200 || !scope.htmx) return;
        return response.text().then(function (html) {
          var current = document.getElementById("thread-live");
          if (current) scope.htmx.swap(current, html, { swapStyle: "outerHTML" });
        });
      })
      .catch(function () {});
  }

  // Whose page this is (the body's data-person); a logged-out page has nobody.
  function person() {
    return document.body ? document.body.getAttribute("data-person") || "" : "";
  }

  // Someone else is logged in on this phone now (a shared phone, a login that timed out):
  // the earlier person's drafts are neither shown nor sent as this person, they go.
  function dropOthers() {
    var me = person();
    if (!me) return Promise.resolve();
    return allDrafts().then(function (drafts) {
      return Promise.all(drafts.filter(function (d) { return d.person !== me; }).map(function (d) {
        return removeDraft(d.key);
      }));
    }).catch(function () {});
  }

  function sendNow() {
    return dropOthers().then(function () {
      if (!navigator.onLine || !person()) return render();
      return sendAll(freshToken()).then(function (done) { return settle(done.results); }, render);
    });
  }

  // Sent while offline: keep it instead (before htmx sees the submit, so nothing is lost).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest(FORMS);
    if (!form || navigator.onLine) return;
    event.preventDefault();
    event.stopPropagation();
    keep(form);
  }, true);

  // Online as far as the phone knew, but the POST never reached an answer.
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest(FORMS);
    if (form) keep(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-draft-action]");
    if (!button) return;
    var item = button.closest("[data-draft-key]");
    var key = item && item.getAttribute("data-draft-key");
    if (!key) return;
    allDrafts().then(function (drafts) {
      var draft = drafts.filter(function (d) { return d.key === key; })[0];
      var box = document.querySelector(FORMS + " [name=body]");
      if (draft && button.getAttribute("data-draft-action") === "edit" && box) {
        box.value = draft.body; // write it again: a new key, so it is a new message
        box.focus();
      }
      return removeDraft(key);
    }).then(render);
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "ungehub-drafts") settle(event.data.results || []);
    });
  }

  scope.addEventListener("online", sendNow);
  scope.addEventListener("offline", render);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.boosted) sendNow(); // a new page: the next visit
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sendNow);
  } else {
    sendNow();
  }
})(self);
