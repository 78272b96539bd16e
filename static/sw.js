/* Ungehub service worker. VERSION and SHELL_ASSETS are written in front of this file by the
 * server (see hub/core/views.py), so a new version of any shell asset installs a new worker.
 *
 * - versioned static files (/static/...?v=hash): cache first, they never change;
 * - public pages: network first, a cached copy when offline;
 * - everything else (logged-in pages, fragments, forms): network only, never cached;
 *   a page that cannot load shows the offline page instead.
 */
const STATIC_CACHE = "static-" + VERSION;
const PAGE_CACHE = "pages-" + VERSION;
const OFFLINE_URL = "/offline";
const LANGUAGES = ["da", "en"];
const LANGUAGE_KEY = "/offline-language";  // the language the person last saw, kept in PAGE_CACHE
const PUBLIC_PAGES = new Set(["/login", "/signup", "/privacy", "/password/forgot", OFFLINE_URL]);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const pages = await caches.open(PAGE_CACHE);
    // Fetched without cookies: the cached offline page never holds anything of a person.
    for (const language of LANGUAGES) {
      const url = OFFLINE_URL + "?lang=" + language;
      await pages.put(url, await fetch(url, { credentials: "omit" }));
    }
    const statics = await caches.open(STATIC_CACHE);
    await statics.addAll(SHELL_ASSETS);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([STATIC_CACHE, PAGE_CACHE]);
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

async function offlinePage() {
  const page = await caches.match(OFFLINE_URL + "?lang=" + (await offlineLanguage()));
  return page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/") && url.searchParams.has("v")) {
    event.respondWith(cacheFirst(request));
  } else if (PUBLIC_PAGES.has(url.pathname) && request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  } else {
    event.respondWith(networkOnly(request));
  }
});
