/* Ungehub service worker. VERSION and SHELL_ASSETS are written in front of this file by the
 * server (see hub/core/views.py), so a new version of any shell asset installs a new worker.
 *
 * - versioned static files (/static/...?v=hash): cache first, they never change;
 * - public pages: network first, a cached copy when offline;
 * - "I need help now" (/help): network first; offline, the logged-out copy in the person's last
 *   language, so the crisis numbers are there with no connection. The copies are fetched without
 *   cookies (at install, and again whenever /help loads), so they never hold anything of a person;
 * - the one logged-in page kept: the young person's plan (/plan, a full page, never a fragment),
 *   network first, its last good copy in PRIVATE_CACHE so the plan can be read offline once opened
 *   (the page says "as of <time>"). The copy goes on logout and on login (whoever comes next must
 *   not read it), when the server no longer answers /plan with the plan, and after PRIVATE_MAX_AGE;
 *   comments live on the goal pages, so they are never in it;
 * - everything else (logged-in pages, fragments, forms): network only, never cached;
 *   a page that cannot load shows the offline page instead.
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
const PRIVATE_CACHE = "private-plan";  // not versioned: a new worker keeps a copy that is still valid
const PLAN_PATH = "/plan";
const PRIVATE_MAX_AGE = 14 * 24 * 60 * 60 * 1000;  // two weeks; an older copy is stale, and goes
const STORED_AT = "X-Ungehub-Stored-At";
const LOGIN_CHANGES = new Set(["/logout", "/login"]);
const HELP_PATH = "/help";

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
    if (await privateCopy()) keep.add(PRIVATE_CACHE);  // a stale copy is deleted by privateCopy()
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
    await rememberLanguage(response);
    if (isCacheable(response) && !request.headers.get("HX-Request")) {
      (await caches.open(PAGE_CACHE)).put(request, response.clone());
    }
    return response;
  } catch (error) {
    return (await caches.match(request, { ignoreSearch: true })) || offlinePage();
  }
}

async function networkOnly(request) {
  try {
    const response = await fetch(request);
    await rememberLanguage(response);
    return response;
  } catch (error) {
    if (request.mode === "navigate") return offlinePage();
    throw error;
  }
}

function isPlanPage(request, url) {
  // A navigation, or htmx's boosted one (it gets the full page too); never a fragment.
  const boosted = request.headers.get("HX-Boosted") === "true";
  return url.pathname === PLAN_PATH && (request.mode === "navigate" || boosted);
}

async function privateCopy() {
  if (!(await caches.has(PRIVATE_CACHE))) return null;
  const copy = await (await caches.open(PRIVATE_CACHE)).match(PLAN_PATH, { ignoreVary: true });
  if (copy && Date.now() - Number(copy.headers.get(STORED_AT) || 0) < PRIVATE_MAX_AGE) return copy;
  await forgetPrivate();
  return null;
}

async function forgetPrivate() {
  await caches.delete(PRIVATE_CACHE);
}

async function keepPrivate(response) {
  const headers = new Headers(response.headers);
  headers.set(STORED_AT, String(Date.now()));
  const body = await response.clone().arrayBuffer();
  const copy = new Response(body, { status: response.status, statusText: response.statusText, headers });
  await (await caches.open(PRIVATE_CACHE)).put(PLAN_PATH, copy);
}

async function planFirst(request) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const copy = await privateCopy();
    if (copy) return copy;
    if (request.mode === "navigate") return offlinePage();
    throw error;
  }
  await rememberLanguage(response);
  if (response.ok && response.type === "basic" && !response.redirected) {
    await keepPrivate(response);
  } else if (response.type === "opaqueredirect" || response.redirected || [401, 403, 404].includes(response.status)) {
    await forgetPrivate();  // logged out, or not this person's plan: the copy is no longer theirs to read
  }
  return response;
}

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
    await rememberLanguage(response);
    // Staff may have changed a number: keep the logged-out copy fresh, beside the answer.
    event.waitUntil(keepHelp(await offlineLanguage()));
    return response;
  } catch (error) {
    const copy = await caches.match(HELP_PATH + "?lang=" + (await offlineLanguage()));
    return copy || offlinePage();
  }
}

async function offlinePage() {
  const page = await caches.match(OFFLINE_URL + "?lang=" + (await offlineLanguage()));
  return page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && LOGIN_CHANGES.has(url.pathname)) {
    // Someone logs out, or in: the last person's plan must not stay readable on this device.
    event.waitUntil(url.pathname === "/logout" ? Promise.all([forgetPrivate(), endPush()]) : forgetPrivate());
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/") && url.searchParams.has("v")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === HELP_PATH && request.mode === "navigate") {
    event.respondWith(helpFirst(event));
  } else if (PUBLIC_PAGES.has(url.pathname) && request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  } else if (isPlanPage(request, url)) {
    event.respondWith(planFirst(request));
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
