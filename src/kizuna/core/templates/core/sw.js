// Kizuna's service worker (served from /sw.js by kizuna.core.pwa; see that module's docstring).
// Pages and static files: network first, the last good copy when there is no signal. Never POSTs, never the API.
"use strict";
const CONFIG = {{ config|safe }};
const STATIC_CACHE = "kizuna-static-" + CONFIG.version;
const PAGE_CACHE = "kizuna-pages";
const MAX_PAGES = 40;

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const statics = await caches.open(STATIC_CACHE);
    await statics.addAll(CONFIG.assets);
    const pages = await caches.open(PAGE_CACHE);
    await Promise.all(CONFIG.pages.map(async function (url) {
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (keepable(response)) { await pages.put(url, response); }
      } catch (error) { /* offline at install: kept on the next visit */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    const names = await caches.keys();
    await Promise.all(names.filter(function (name) {
      return name.startsWith("kizuna-static-") && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
    await self.clients.claim();
  })());
});

self.addEventListener("message", function (event) {
  if (event.data === "forget-pages") { event.waitUntil(caches.delete(PAGE_CACHE)); }  // after logging out
});

function keepable(response) {
  // A page that answered with the login form (signed out) is not today's list: never keep it.
  return response && response.ok && !response.redirected && response.type === "basic" &&
    (response.headers.get("Content-Type") || "").startsWith("text/html");
}

async function trimPages(cache) {
  const keys = await cache.keys();
  const keep = new Set(CONFIG.pages.map(function (url) { return new URL(url, self.location.origin).href; }));
  const extra = keys.filter(function (request) { return !keep.has(request.url); });
  for (const request of extra.slice(0, Math.max(0, extra.length - MAX_PAGES))) { await cache.delete(request); }
}

async function page(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    if (keepable(response)) {
      await cache.delete(request);  // re-inserted last: the oldest pages are trimmed first
      await cache.put(request, response.clone());
      trimPages(cache);
    } else if (response.redirected && new URL(response.url).pathname === CONFIG.login) {
      await caches.delete(PAGE_CACHE);  // the session ended: what the pages showed is not kept on the device
    }
    return response;
  } catch (error) {
    return (await cache.match(request)) || (await cache.match(CONFIG.home)) || Response.error();
  }
}

async function asset(request) {
  const cache = await caches.open(STATIC_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) { await cache.put(request, response.clone()); }
    return response;
  } catch (error) {
    return (await cache.match(request, { ignoreSearch: true })) || Response.error();
  }
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(asset(request));
  }
});
