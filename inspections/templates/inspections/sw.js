{% load i18n %}/* The service worker of the office inspection pages (issue 9): the app shell is kept
   on install; a visit the inspector prepared ("prepare for offline", offline.js) is kept in
   the visits cache and answered from there when the network is gone. Served by
   inspections.views.service_worker; version {{ version }}. */
"use strict";
const SHELL = {{ shell|safe }};
const STATIC_PREFIX = "{{ static_prefix|escapejs }}";
const SHELL_CACHE = "insp-shell-{{ version }}";
const VISITS_CACHE = "insp-visits";
const NOT_PREPARED = "{{ not_prepared|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys
    .filter((key) => key.startsWith("insp-shell-") && key !== SHELL_CACHE)
    .map((key) => caches.delete(key)))).then(() => self.clients.claim()));
});

async function fromVisits(request) {
  const cache = await caches.open(VISITS_CACHE);
  return cache.match(request, { ignoreSearch: true, ignoreVary: true });
}

async function navigate(request) {
  try {
    const response = await fetch(request);
    // A prepared visit is refreshed each time it is opened online (its state, its token).
    if (response.ok && !response.redirected && await fromVisits(request)) {
      const cache = await caches.open(VISITS_CACHE);
      await cache.put(new URL(request.url).pathname, response.clone());
    }
    return response;
  } catch (error) {
    const hit = await fromVisits(request);
    if (hit) return hit;
    return new Response(NOT_PREPARED, {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}

async function shellFirst(request) {
  const hit = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
  return hit || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(shellFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  }
});
