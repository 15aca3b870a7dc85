/* The on-site inspection form with no network (issue 9). On a daily inspection's page:
   - registers the service worker of the inspection pages (and links their manifest), and
     "prepare for offline" keeps this visit's page (checklist and institution facts) in the
     visits cache the service worker answers from when the network is gone;
   - keeps the form as it is filled (answers, notes, position, photos) in IndexedDB, with
     an id made on the phone (client_id) so that a resend creates nothing twice;
   - on submit, puts the form in the outbox and sends it when there is a network; the bar
     shows whether the phone is offline and how many forms wait, and names the visit of a
     form refused while another page is on screen;
   - a sign-in that expired meanwhile keeps the answers on the phone and asks to sign in
     again (a link back to the page); once signed in, the waiting forms are sent.
   No inline script: the page's texts come from data- attributes (Chinese first). */
(function () {
  "use strict";
  const app = document.querySelector("[data-offline-app]");
  if (!app) return;
  const bar = document.querySelector("[data-offline-bar]");
  const form = document.querySelector("form[data-offline-form]");
  const prepareButton = document.querySelector("[data-offline-prepare]");
  const VISITS_CACHE = "insp-visits";
  const visitUrl = window.location.pathname;
  const signinLink = document.querySelector("[data-offline-signin]");
  let syncing = false;
  let lastEvent = null; // { name, values }: the last thing that happened, for the bar

  function msg(name, values) {
    let text = (bar && bar.dataset["msg" + name]) || "";
    Object.entries(values || {}).forEach(([key, value]) => {
      text = text.replace("{" + key + "}", value);
    });
    return text;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // -- IndexedDB: drafts (one per visit) and the outbox (one per submission) -------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const open = indexedDB.open("inspections-offline", 1);
        open.onupgradeneeded = () => {
          open.result.createObjectStore("drafts", { keyPath: "visit" });
          open.result.createObjectStore("outbox", { keyPath: "clientId" });
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
    }
    return dbPromise;
  }
  async function store(name, mode, action) {
    const conn = await db();
    return new Promise((resolve, reject) => {
      const tx = conn.transaction(name, mode);
      const request = action(tx.objectStore(name));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const getDraft = () => store("drafts", "readonly", (s) => s.get(visitUrl));
  const putDraft = (draft) => store("drafts", "readwrite", (s) => s.put(draft));
  const dropDraft = () => store("drafts", "readwrite", (s) => s.delete(visitUrl));
  const outbox = () => store("outbox", "readonly", (s) => s.getAll());
  const putOutbox = (item) => store("outbox", "readwrite", (s) => s.put(item));
  const dropOutbox = (id) => store("outbox", "readwrite", (s) => s.delete(id));

  // -- the bar -----------------------------------------------------------------------------
  async function render() {
    if (!bar) return;
    const items = await outbox();
    const waiting = items.filter((i) => i.state === "waiting").length;
    const lines = [navigator.onLine ? msg("Online") : msg("Offline")];
    if (waiting) lines.push(msg("Waiting", { n: waiting }));
    const signin = items.some((i) => i.state === "signin");
    if (signin) lines.push(msg("Signin"));
    if (lastEvent) lines.push(msg(lastEvent.name, lastEvent.values));
    const prepared = await preparedAt();
    if (bar.dataset.unsupported) lines.push(msg("Unsupported"));
    else if (form) lines.push(prepared ? msg("Prepared", { t: prepared }) : msg("Notprepared"));
    bar.textContent = lines.filter(Boolean).join(" ");
    bar.dataset.waiting = String(waiting);
    bar.dataset.online = navigator.onLine ? "1" : "0";
    bar.classList.toggle("alert-warning", !navigator.onLine || waiting > 0);
    bar.classList.toggle("alert-secondary", navigator.onLine && waiting === 0);
    // Away from a form, the bar speaks only when there is something to say.
    bar.hidden = !form && navigator.onLine && !waiting && !signin && !lastEvent;
    bar.dataset.signin = signin ? "1" : "0";
    if (signinLink) {
      // Back to this page after signing in: its form and the outbox are still here.
      signinLink.href = signinLink.dataset.login + "?next=" +
        encodeURIComponent(window.location.pathname);
      signinLink.hidden = !signin;
    }
  }

  function event(name, item) {
    // A form of another visit than the one on screen is named, so that nobody wonders
    // which visit was refused.
    if (item && item.url !== visitUrl && item.name) {
      return { name: name + "other", values: { visit: item.name } };
    }
    return { name: name, values: {} };
  }

  // -- service worker, manifest, "prepare for offline" -----------------------------------
  async function preparedAt() {
    if (!("caches" in window)) return "";
    const cache = await caches.open(VISITS_CACHE);
    const hit = await cache.match(visitUrl, { ignoreVary: true });
    return hit ? (hit.headers.get("X-Prepared-At") || hit.headers.get("Date") || "✓") : "";
  }

  function setup() {
    const link = document.createElement("link");
    link.rel = "manifest";
    link.href = app.dataset.manifest;
    document.head.appendChild(link);
    if (!("serviceWorker" in navigator) || !("caches" in window)) {
      if (bar) bar.dataset.unsupported = "1";
      return;
    }
    navigator.serviceWorker.register(app.dataset.sw).catch(() => {});
    if (prepareButton) {
      prepareButton.hidden = false;
      prepareButton.addEventListener("click", prepare);
    }
  }

  async function prepare() {
    prepareButton.disabled = true;
    try {
      await navigator.serviceWorker.ready;
      const response = await fetch(visitUrl, { credentials: "same-origin" });
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      const headers = new Headers(response.headers);
      headers.set("X-Prepared-At", new Date().toLocaleString("zh-CN", { hour12: false }));
      const body = await response.blob();
      const cache = await caches.open(VISITS_CACHE);
      await cache.put(visitUrl, new Response(body, { status: 200, headers }));
      if (form) await saveDraft();
      prepareButton.dataset.prepared = "1";
    } catch (error) {
      prepareButton.dataset.prepared = "0";
    }
    prepareButton.disabled = false;
    await render();
  }

  // -- the draft ---------------------------------------------------------------------------
  function fieldValues() {
    const values = {};
    Array.from(form.elements).forEach((el) => {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "radio") {
        if (el.checked) values[el.name] = el.value;
      } else if (el.type === "checkbox") {
        values[el.name] = el.checked;
      } else if (el.type !== "submit" && el.type !== "button") {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function applyValues(values) {
    Array.from(form.elements).forEach((el) => {
      if (!el.name || !(el.name in values) || el.type === "file") return;
      if (el.name === "csrfmiddlewaretoken") return;
      if (el.type === "radio") el.checked = values[el.name] === el.value;
      else if (el.type === "checkbox") el.checked = Boolean(values[el.name]);
      else el.value = values[el.name];
    });
  }

  let draft = null;
  async function saveDraft() {
    if (!draft) return;
    draft.fields = fieldValues();
    draft.savedAt = Date.now();
    await putDraft(draft);
  }

  function showPhotos() {
    // Looked up each time: the server's form may have replaced ours (a refused form).
    const photoList = document.querySelector("[data-offline-photos]");
    if (!photoList || !draft) return;
    photoList.replaceChildren();
    if (!draft.photos.length) return;
    const head = document.createElement("li");
    head.className = "fw-semibold";
    head.textContent = form.dataset.photoLabel.replace("{n}", draft.photos.length);
    photoList.appendChild(head);
    draft.photos.forEach((photo) => {
      const li = document.createElement("li");
      li.textContent = photo.name;
      photoList.appendChild(li);
    });
  }

  async function keepPhotos(input) {
    const files = Array.from(input.files || []);
    for (const file of files) {
      draft.photos.push({ name: file.name, type: file.type, blob: file.slice(0, file.size, file.type) });
    }
    input.value = "";
    await saveDraft();
    showPhotos();
  }

  async function startForm() {
    draft = await getDraft();
    const idField = form.querySelector("input[name=client_id]");
    if (draft) {
      applyValues(draft.fields || {});
    } else {
      draft = { visit: visitUrl, clientId: newId(), fields: {}, photos: [] };
    }
    if (idField) {
      if (!draft.clientId) draft.clientId = newId();
      idField.value = draft.clientId;
    }
    await saveDraft();
    showPhotos();
    form.addEventListener("input", () => saveDraft());
    form.addEventListener("change", (event) => {
      if (event.target.type === "file") keepPhotos(event.target);
      else saveDraft();
    });
    form.addEventListener("submit", submit);
  }

  async function submit(event) {
    event.preventDefault();
    await saveDraft();
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    await putOutbox({
      clientId: draft.clientId, url: visitUrl, state: "waiting", queuedAt: Date.now(),
      csrf: csrf ? csrf.value : "", fields: draft.fields, photos: draft.photos,
      photoField: (form.querySelector("input[type=file]") || {}).name || "photos",
      name: form.dataset.visitName || visitUrl,
    });
    lastEvent = null;
    await render();
    if (navigator.onLine) await flush();
  }

  // -- sending -----------------------------------------------------------------------------
  function token(item) {
    // The token of the page open now (a sign-in since the form was queued changes it).
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (field && field.value) || item.csrf;
  }

  function body(item) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token(item));
    Object.entries(item.fields).forEach(([name, value]) => {
      if (value === true) data.append(name, "on");
      else if (value !== false) data.append(name, value);
    });
    item.photos.forEach((p) => data.append(item.photoField, new File([p.blob], p.name, { type: p.type })));
    return data;
  }

  async function send(item) {
    let response;
    try {
      response = await fetch(item.url, {
        method: "POST", body: body(item), credentials: "same-origin",
        headers: { "X-CSRFToken": token(item) },
      });
    } catch (error) {
      return "waiting"; // still no network
    }
    const landed = new URL(response.url).pathname;
    if (response.ok && landed === item.url && response.redirected) return "sent";
    if (response.ok && landed !== item.url) return "signin";
    if (response.status === 409) return "conflict";
    if (response.status === 403) return "signin"; // a stale token: sign in, then resend
    if (response.status === 400 && item.url === visitUrl && form) {
      // The server's own form, with its field errors, replaces ours; the draft stays.
      const html = await response.text();
      const doc = new DOMParser().parseFromString(html, "text/html");
      const theirs = doc.querySelector("form[data-offline-form]");
      if (theirs) {
        form.innerHTML = theirs.innerHTML;
        applyValues(draft.fields || {});
        const idField = form.querySelector("input[name=client_id]");
        if (idField) idField.value = draft.clientId;
        showPhotos();
      }
      return "rejected";
    }
    if (response.status >= 500) return "waiting";
    return "rejected";
  }

  async function flush() {
    if (syncing || !navigator.onLine) return;
    syncing = true;
    try {
      const items = (await outbox()).filter((i) => i.state === "waiting" || i.state === "signin");
      for (const item of items) {
        lastEvent = event("Sending", null);
        await render();
        const result = await send(item);
        if (result === "sent") {
          await dropOutbox(item.clientId);
          if (item.url === visitUrl) await dropDraft();
          lastEvent = event("Sent", item);
          if (item.url === visitUrl) {
            window.location.replace(visitUrl);
            return;
          }
        } else if (result === "conflict") {
          await dropOutbox(item.clientId);
          if (item.url === visitUrl) await dropDraft();
          lastEvent = event("Conflict", item);
        } else if (result === "rejected") {
          await dropOutbox(item.clientId);
          lastEvent = event("Rejected", item);
        } else {
          item.state = result;
          await putOutbox(item);
          lastEvent = null;
        }
      }
    } finally {
      syncing = false;
      await render();
    }
  }

  setup();
  window.addEventListener("online", () => { render(); flush(); });
  window.addEventListener("offline", () => render());
  window.setInterval(() => { if (navigator.onLine) flush(); }, 30000);
  (form ? startForm() : Promise.resolve()).then(render).then(() => flush());
})();
