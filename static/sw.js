/* Ungehub service worker. VERSION and SHELL_ASSETS are written in front of this file by the
 * server (see hub/core/views.py), so a new version of any shell asset installs a new worker.
 *
 * - versioned static files (/static/...?v=hash): cache first, they never change;
 * - public pages: network first, a cached copy when offline;
 * - "I need help now" (/help): network first; offline, the logged-out copy in the person's last
 *   language, so the crisis numbers are there with no connection. The copies are fetched without
 *   cookies (at install, and again whenever /help loads), so they never hold anything of a person;
 * - the logged-in pages kept, PRIVATE_PAGES: the young person's plan (/plan) and the wallet
 *   (/wallet: tickets, vouchers, support person, hub hours, crisis numbers). One mechanism for
 *   both: a full page (never a fragment), network first, its last good copy in PRIVATE_CACHE so
 *   it can be read offline once loaded (the page says "as of <time>"; a copy served says
 *   data-copy="kept", and the page then says how old it is). The wallet is also refreshed in the
 *   background when a logged-in page asks (static/js/wallet.js) and the copy is older than
 *   WALLET_REFRESH_AFTER, or a form was sent since (it may have booked or bought something).
 *   A copy is kept only with the server's KEEP_UNTIL (hub/wallet/keep.py: never after the login
 *   would end if the person did nothing more), and shown only until then: past it, the plain
 *   offline page. The copies go on logout, "forget this phone" and login (whoever comes next must
 *   not read them), when the server answers with a redirect (logged out), and when any answer's
 *   LOGIN header names another login than theirs ("none": logged out); a 403/404 drops that
 *   page's copy. Plan comments live on the goal pages, so they are never in it;
 * - everything else (logged-in pages, fragments, forms): network only, never cached;
 *   a page that cannot load shows the kept wallet instead, or the offline page when there is none.
 * - a download (/download/<token>, a file made for a boosted link or form: hub/core/downloads.py):
 *   not touched at all. The browser fetches it itself and saves it; its link works once, so it is
 *   never cached, and offline there is no page to show in place of a file.
 *
 * Push: a push shows its notification (title, body, icon, badge; a newer one with the same tag
 * replaces the older); tapping it opens its page, in a window already open if there is one.
 * Logging out ends this phone's push subscription too: a shared phone shows nothing of ours.
 */
const STATIC_CACHE = "static-" + VERSION;
const PAGE_CACHE = "pages-" + VERSION;
const OFFLINE_URL = "/offline";
const LANGUAGES = ["da", "en"];
const LANGUAGE_KEY = "/offline-language";  // the language the person last saw, kept in PAGE_CACHE
const PUBLIC_PAGES = new Set(["/login", "/signup", "/privacy", "/password/forgot", OFFLINE_URL]);
// Every private copy (plan and wallet). Not versioned: a new worker keeps copies that are still
// valid. The name is older than the wallet; kept, so an update does not drop the copies. (Copies
// made before KEEP_UNTIL existed have no SHOW_UNTIL, so they are dropped the first time they are read.)
const PRIVATE_CACHE = "private-plan";
const PLAN_PATH = "/plan";
const WALLET_PATH = "/wallet";
const PRIVATE_PAGES = new Set([PLAN_PATH, WALLET_PATH]);
const WALLET_REFRESH_AFTER = 5 * 60 * 1000;  // a logged-in page refreshes an older wallet copy
const KEEP_UNTIL = "X-Ungehub-Keep-Until";  // from the server: until when a copy may be shown
const LOGIN = "X-Ungehub-Login";  // from the server: which login answered, or "none"
const STORED_AT = "X-Ungehub-Stored-At";  // on a copy: when it was made, on this phone's clock
const SHOW_UNTIL = "X-Ungehub-Show-Until";  // on a copy: KEEP_UNTIL, on this phone's clock
const FORGET_PATH = "/wallet/forget";  // "forget this phone"
// Every way of logging in or out: the last person's copies must not stay readable here.
const LOGIN_CHANGES = new Set(["/logout", "/login", "/login/passkey", "/signup"]);
const LOGIN_LINKS = "/welcome/";  // an invitation or reset link logs its person in
const HELP_PATH = "/help";
const DOWNLOADS = "/download/";  // single-use file links: the browser's own business

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const pages = await caches.open(PAGE_CACHE);
    // Fetched without cookies: the cached offline and help pages never hold anything of a person.
    for (const language of LANGUAGES) {
      for (const path of [OFFLINE_URL, HELP_PATH]) {
        const url = path + "?lang=" + language;
        await pages.put(url, await fetch(url, { credentials: "omit" }));
      }
    }
    const statics = await caches.open(STATIC_CACHE);
    await statics.addAll(SHELL_ASSETS);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([STATIC_CACHE, PAGE_CACHE]);
    if (await anyPrivateCopy()) keep.add(PRIVATE_CACHE);  // stale copies are deleted by privateCopy()
    for (const name of await caches.keys()) {
      if (!keep.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isCacheable(response) {
  const control = response.headers.get("Cache-Control") || "";
  return response.ok && response.type === "basic" && !/no-store|private/.test(control);
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC_CACHE)).put(request, response.clone());
  return response;
}

let language = null;

// What an answer from the server tells the worker: the person's language, and whose login it is.
async function learnFrom(response) {
  await Promise.all([rememberLanguage(response), noticeLogin(response)]);
}

async function rememberLanguage(response) {
  const seen = response.headers.get("Content-Language");
  if (!seen || seen === language || !LANGUAGES.includes(seen)) return;
  language = seen;
  await (await caches.open(PAGE_CACHE)).put(LANGUAGE_KEY, new Response(seen));
}

async function offlineLanguage() {
  if (language) return language;
  const kept = await caches.match(LANGUAGE_KEY);
  return kept ? await kept.text() : LANGUAGES[0];
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    await learnFrom(response);
    if (isCacheable(response) && !request.headers.get("HX-Request")) {
      (await caches.open(PAGE_CACHE)).put(request, response.clone());
    }
    return response;
  } catch (error) {
    return (await caches.match(request, { ignoreSearch: true })) || offlineFallback();
  }
}

async function networkOnly(request) {
  try {
    const response = await fetch(request);
    await learnFrom(response);
    return response;
  } catch (error) {
    if (request.mode === "navigate") return offlineFallback();
    throw error;
  }
}

function isPrivatePage(request, url) {
  // A navigation, or htmx's boosted one (it gets the full page too); never a fragment.
  const boosted = request.headers.get("HX-Boosted") === "true";
  return PRIVATE_PAGES.has(url.pathname) && (request.mode === "navigate" || boosted);
}

// Goes up whenever the copies are forgotten: a fetch begun before must not put one back.
let privateGeneration = 0;
// The login of the last answer (its LOGIN header): copies are kept only of that login.
let lastLogin = null;

function storedAge(copy) {
  return Date.now() - Number(copy.headers.get(STORED_AT) || 0);
}

async function privateCopy(path) {
  if (!(await caches.has(PRIVATE_CACHE))) return null;
  const cache = await caches.open(PRIVATE_CACHE);
  const copy = await cache.match(path, { ignoreVary: true });
  if (!copy) return null;
  // Shown from when it was made (a clock set back is no way to an old copy) until SHOW_UNTIL.
  const now = Date.now();
  if (Number(copy.headers.get(STORED_AT)) <= now && now < Number(copy.headers.get(SHOW_UNTIL))) return copy;
  await cache.delete(path);
  if (!(await cache.keys()).length) await caches.delete(PRIVATE_CACHE);
  return null;
}

async function anyPrivateCopy() {
  const copies = await Promise.all([...PRIVATE_PAGES].map(privateCopy));
  return copies.some(Boolean);
}

async function forgetPrivate() {
  privateGeneration += 1;
  await caches.delete(PRIVATE_CACHE);
}

// Every answer says whose login it was for: when that is not the login the copies were made in
// (logged out: "none"; or someone else logged in, even where this worker did not see it happen,
// e.g. after the idle timeout), the copies are not theirs to read any more.
async function noticeLogin(response) {
  const login = response.headers.get(LOGIN);
  if (!login || login === lastLogin) return;
  lastLogin = login;
  const copies = await Promise.all([...PRIVATE_PAGES].map(privateCopy));
  if (copies.some((copy) => copy && copy.headers.get(LOGIN) !== login)) await caches.delete(PRIVATE_CACHE);
}

// KEEP_UNTIL on this phone's clock: the time left by the server's clock (its Date header, whole
// seconds, so a second less), from now. A phone whose clock is off keeps a copy just as long.
function showUntil(response) {
  const until = Date.parse(response.headers.get(KEEP_UNTIL) || "");
  if (!until) return null;
  const serverNow = Date.parse(response.headers.get("Date") || "") || Date.now();
  const left = until - serverNow - 1000;
  return left > 0 ? Date.now() + left : null;
}

async function keepPrivate(path, response, generation) {
  const until = showUntil(response);
  const login = response.headers.get(LOGIN);
  if (!until || !login || login !== lastLogin) {
    // The server did not let the phone keep this page (or it is no longer the login's answer).
    if (await caches.has(PRIVATE_CACHE)) await (await caches.open(PRIVATE_CACHE)).delete(path);
    return;
  }
  const headers = new Headers(response.headers);
  headers.set(STORED_AT, String(Date.now()));
  headers.set(SHOW_UNTIL, String(until));
  const body = await response.clone().arrayBuffer();
  if (generation !== privateGeneration || login !== lastLogin) return;  // logged out (or in) meanwhile
  const copy = new Response(body, { status: response.status, statusText: response.statusText, headers });
  await (await caches.open(PRIVATE_CACHE)).put(path, copy);
}

// Keep a good answer; forget on a sign that it is no longer this person's to read.
async function settlePrivate(path, response, generation) {
  await noticeLogin(response);
  if (response.ok && response.type === "basic" && !response.redirected) {
    await keepPrivate(path, response, generation);
  } else if (response.type === "opaqueredirect" || response.redirected || response.status === 401) {
    await forgetPrivate();  // logged out: no copy is theirs any more
  } else if ([403, 404].includes(response.status) && (await caches.has(PRIVATE_CACHE))) {
    await (await caches.open(PRIVATE_CACHE)).delete(path);  // not this person's page
  }
}

async function asKept(copy) {
  // The page marks itself as a kept copy, so it says how old it is and what may have changed.
  const text = (await copy.text()).replace('data-copy="live"', 'data-copy="kept"');
  return new Response(text, { status: copy.status, statusText: copy.statusText, headers: copy.headers });
}

async function privateFirst(request, path) {
  const generation = privateGeneration;
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const copy = await privateCopy(path);
    if (copy) return asKept(copy);
    if (request.mode === "navigate") return offlineFallback();
    throw error;
  }
  await learnFrom(response);
  await settlePrivate(path, response, generation);
  return response;
}

let walletRefresh = null;
// A form was sent since the copy was made (a booking, a voucher bought…): the copy may be out of
// date, so the next logged-in page refreshes it however young it is.
let walletStale = false;

function refreshWallet() {
  walletRefresh = walletRefresh || (async () => {
    try {
      const copy = await privateCopy(WALLET_PATH);
      if (copy && !walletStale && storedAge(copy) < WALLET_REFRESH_AFTER) return;
      walletStale = false;
      const generation = privateGeneration;
      const response = await fetch(WALLET_PATH, { credentials: "same-origin" });
      await settlePrivate(WALLET_PATH, response, generation);
    } catch (error) {
      // No connection: the copy before stays.
    } finally {
      walletRefresh = null;
    }
  })();
  return walletRefresh;
}

async function forgetPhone() {
  // "Forget this phone": every private copy, the push subscription and the unsent drafts.
  await Promise.all([forgetPrivate(), endPush(), forgetDrafts()]);
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  if (type === "wallet-refresh") {
    event.waitUntil(refreshWallet());
  } else if (type === "wallet-kept") {
    event.waitUntil(privateCopy(WALLET_PATH).then((copy) => reply({ kept: Boolean(copy) })));
  } else if (type === "forget-phone") {
    event.waitUntil(forgetPhone().then(() => reply({ done: true }), () => reply({ done: false })));
  }
});

async function keepHelp(language) {
  const url = HELP_PATH + "?lang=" + language;
  try {
    const response = await fetch(url, { credentials: "omit" });
    if (response.ok) await (await caches.open(PAGE_CACHE)).put(url, response);
  } catch (error) {
    // The copy from before stays.
  }
}

async function helpFirst(event) {
  try {
    const response = await fetch(event.request);
    await learnFrom(response);
    // Staff may have changed a number: keep the logged-out copy fresh, beside the answer.
    event.waitUntil(keepHelp(await offlineLanguage()));
    return response;
  } catch (error) {
    const copy = await caches.match(HELP_PATH + "?lang=" + (await offlineLanguage()));
    return copy || offlinePage();
  }
}

async function offlineFallback() {
  // Opening the app with no connection: the kept wallet when there is one.
  const wallet = await privateCopy(WALLET_PATH);
  return wallet ? asKept(wallet) : offlinePage();
}

async function offlinePage() {
  const page = await caches.match(OFFLINE_URL + "?lang=" + (await offlineLanguage()));
  return page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(DOWNLOADS)) return;
  const loginChange = LOGIN_CHANGES.has(url.pathname) || url.pathname.startsWith(LOGIN_LINKS);
  if (request.method === "POST" && (loginChange || url.pathname === FORGET_PATH)) {
    // Someone logs out, or in: the last person's plan and wallet must not stay readable here.
    const forget = { "/logout": () => Promise.all([forgetPrivate(), endPush()]), [FORGET_PATH]: forgetPhone };
    event.waitUntil((forget[url.pathname] || forgetPrivate)());
    return;
  }
  if (request.method !== "GET") {
    walletStale = true;
    return;
  }
  if (url.pathname.startsWith("/static/") && url.searchParams.has("v")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === HELP_PATH && request.mode === "navigate") {
    event.respondWith(helpFirst(event));
  } else if (PUBLIC_PAGES.has(url.pathname) && request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  } else if (isPrivatePage(request, url)) {
    event.respondWith(privateFirst(request, url.pathname));
  } else {
    event.respondWith(networkOnly(request));
  }
});

async function endPush() {
  const subscription = await self.registration.pushManager.getSubscription();
  if (subscription) await subscription.unsubscribe();
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "Ungehub";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    icon: data.icon || "/static/icons/icon-192.png",
    badge: data.badge || "/static/icons/badge-72.png",
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    data: { url: data.url || "/", id: data.id || null },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;  // only our own pages
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const same = windows.find((client) => new URL(client.url).pathname === target.pathname);
    if (same) return same.focus();
    const any = windows.find((client) => "navigate" in client);
    if (any) {
      await any.focus();
      return any.navigate(target.href);
    }
    return self.clients.openWindow(target.href);
  })());
});

// --- message drafts ---
// Messages written with no connection wait in IndexedDB ("ungehub-drafts"); static/js/drafts.js
// keeps them, and is imported here so the worker sends them on Background Sync with the same
// code and the same client keys as the page (the server makes a second sending the same
// message). Private: deleted on logout and "forget this phone".
const DRAFTS_DB = "ungehub-drafts";

try {
  importScripts(SHELL_ASSETS.find((url) => url.startsWith("/static/js/drafts.js")));
} catch (error) {
  // The rest of the worker (the wallet, push) works without drafts; pages send them themselves.
}

async function forgetDrafts() {
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DRAFTS_DB);
    request.onsuccess = request.onerror = () => resolve();
  });
}

async function sendDrafts() {
  const { results, offline } = await self.UngehubDrafts.sendAll();
  if (results.length) {
    const windows = await self.clients.matchAll({ type: "window" });
    for (const client of windows) client.postMessage({ type: "ungehub-drafts", results });
  }
  if (offline) throw new Error("offline: the browser tries the sync again later");
}

// Logging out takes the drafts with it (whoever uses the phone next must not read or send them).
// The worker's other fetch listener answers nothing for this POST; this one only tidies up.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === "POST" && url.origin === self.location.origin && url.pathname === "/logout") {
    event.waitUntil(forgetDrafts());
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === "send-drafts" && self.UngehubDrafts) event.waitUntil(sendDrafts());
});
