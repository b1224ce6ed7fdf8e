// Field use without signal (CSP: no inline script). The service worker (/sw.js) keeps the pages; this file keeps
// what the rep writes: a capture line or a business-card photo made offline waits in IndexedDB and is sent when the
// network returns. Each line has its own Idempotency-Key, so a send whose answer was lost is never saved twice; a
// line whose @/# names more than one record waits for the rep, who picks in the capture bar's usual preview.
(function () {
  "use strict";
  const body = document.body;
  // data-sw is on signed-in pages only: installed from the login page, the worker would fetch pages with the old
  // session while the login answers, and those answers could put the old CSRF cookie back over the new one.
  if ("serviceWorker" in navigator && body.dataset.sw && window.isSecureContext) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(function () { /* no worker: online only */ });
  }
  document.addEventListener("submit", function (event) {  // logging out: the device forgets the pages it kept
    const action = event.target.getAttribute && event.target.getAttribute("action") || "";
    if (action.indexOf("/accounts/logout/") >= 0 && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("forget-pages");
    }
  });

  const user = body.dataset.user;
  const panel = document.getElementById("offline-queue");
  if (!user || !panel || !window.indexedDB) { return; }
  const api = body.dataset.captureApi;
  const text = panel.dataset;
  const CHANGED = "kizuna:timeline-changed";

  // --- IndexedDB: two stores keyed by the item's idempotency key ----------------------------------------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        const request = indexedDB.open("kizuna-offline", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("captures", { keyPath: "key" });
          request.result.createObjectStore("cards", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function run(store, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        const tx = database.transaction(store, mode);
        const request = work(tx.objectStore(store));
        tx.oncomplete = function () { resolve(request && request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function all(store) {  // only this user's items: a shared phone never sends one rep's notes as another's
    return run(store, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.user === user; })
        .sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
    });
  }
  function put(store, item) { return run(store, "readwrite", function (s) { return s.put(item); }); }
  function remove(store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // --- the panel under the capture bar: what waits, what needs a choice ---------------------------------------
  let note = "";
  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }
  function button(label, onClick) {
    const node = element("button", "secondary small", label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }
  async function render() {
    const [lines, cards] = await Promise.all([all("captures"), all("cards")]);
    panel.replaceChildren();
    if (!navigator.onLine) { panel.appendChild(element("p", "small warn", text.offline)); }
    if (note) { panel.appendChild(element("p", "small", note)); }
    const list = element("ul", "offline-items");
    lines.forEach(function (item) {
      const row = element("li");
      const choosing = item.state === "choose";
      row.appendChild(element("span", choosing ? "tag warn" : "tag", choosing ? text.choose : text.waiting));
      row.appendChild(document.createTextNode(" " + item.text + " "));
      if (item.message) { row.appendChild(element("span", "small muted", item.message + " ")); }
      if (choosing && navigator.onLine) { row.appendChild(button(text.chooseButton, function () { choose(item); })); }
      row.appendChild(button(text.discard, function () {
        if (window.confirm(text.discard + ": " + item.text)) { remove("captures", item.key).then(render); }
      }));
      list.appendChild(row);
    });
    cards.forEach(function (item) {
      const row = element("li");
      row.appendChild(element("span", "tag", text.cards));
      row.appendChild(document.createTextNode(" " + item.names.join(", ") + " "));
      const form = cardForm();
      if (form && navigator.onLine) {
        row.appendChild(button(text.read, function () { readCard(item, form); }));
      } else if (!form && navigator.onLine && text.cardUrl) {
        const link = element("a", "button small", text.read);
        link.href = text.cardUrl;
        row.appendChild(link);
      }
      row.appendChild(button(text.discard, function () {
        if (window.confirm(text.discard + ": " + item.names.join(", "))) { remove("cards", item.key).then(render); }
      }));
      list.appendChild(row);
    });
    if (list.children.length) { panel.appendChild(list); }
    panel.hidden = !panel.children.length;
  }

  // --- capture bar: offline, a line is queued instead of sent ------------------------------------------------
  const captureForm = document.getElementById("capture-form");
  const captureText = document.getElementById("capture-text");
  async function queueLine() {
    const line = captureText.value.trim();
    if (!line) { return; }
    const now = new Date().toISOString();
    await put("captures", { key: newKey(), user: user, text: line, capturedAt: now, createdAt: now, state: "waiting" });
    captureText.value = "";
    document.getElementById("capture-result").replaceChildren();
    note = text.queued;
    await render();
  }
  document.addEventListener("submit", function (event) {
    if (event.target === captureForm && !navigator.onLine) {
      event.preventDefault();
      event.stopPropagation();  // htmx listens on the form: it never starts a request that cannot arrive
      queueLine();
    }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt === captureForm && !navigator.onLine) { event.preventDefault(); render(); }
  });
  document.addEventListener("htmx:sendError", function (event) {
    // The radio said "online" but nothing arrived: a preview is queued; a save is not (it may have been written).
    const params = event.detail.requestConfig && event.detail.requestConfig.formData;
    if (event.detail.elt === captureForm && !(params && params.get("save"))) { queueLine(); }
  });

  // A waiting line whose @/# is ambiguous: the capture bar shows the usual preview with the candidates; its save
  // carries the line's key (one per choice), and the line leaves the queue once it is saved.
  function choose(item) {
    captureText.value = item.text;
    captureForm.dataset.offlineKey = item.key;
    let when = captureForm.querySelector("input[name=captured_at]");
    if (!when) {
      when = element("input");
      when.type = "hidden";
      when.name = "captured_at";
      captureForm.appendChild(when);
    }
    when.value = item.capturedAt;
    const bar = document.getElementById("capturebar");
    if (bar && bar.classList.contains("folded")) { document.querySelector(".capture-toggle").click(); }
    captureText.focus();
    window.htmx.trigger(captureForm, "submit");
  }
  document.addEventListener("htmx:configRequest", function (event) {
    const key = captureForm && captureForm.dataset.offlineKey;
    const params = event.detail.formData;
    if (event.detail.elt !== captureForm || !key || !params || !params.get("save")) { return; }
    const choices = [];
    params.forEach(function (value, name) { if (name.indexOf("resolve:") === 0) { choices.push(value); } });
    event.detail.headers["Idempotency-Key"] = key + ":" + choices.sort().join("-");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const key = captureForm && captureForm.dataset.offlineKey;
    if (event.detail.elt !== captureForm || !key || !event.detail.successful) { return; }
    if ((event.detail.xhr.responseText || "").indexOf("capture-saved") < 0) { return; }
    delete captureForm.dataset.offlineKey;
    const when = captureForm.querySelector("input[name=captured_at]");
    if (when) { when.remove(); }
    remove("captures", key).then(render);
  });

  // --- sending when the network returns ------------------------------------------------------------------------
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (error) { return ""; }
  }
  async function post(payload, key) {
    const headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
    if (key) { headers["Idempotency-Key"] = key; }
    let response;
    try {
      response = await fetch(api, { method: "POST", headers: headers, body: payload, credentials: "same-origin" });
    } catch (error) {
      return null;  // no network after all: try again later
    }
    let data = {};
    try { data = await response.json(); } catch (error) { /* an HTML error page */ }
    return { status: response.status, data: data };
  }
  function problem(answer) {
    const detail = answer.data && answer.data.error && answer.data.error.message;
    return typeof detail === "string" ? detail : text.failed;
  }
  async function send(item) {
    if (!item.body) {
      const plan = await post(JSON.stringify({ text: item.text, preview: true, captured_at: item.capturedAt }), null);
      if (plan === null || plan.status === 401 || plan.status === 403 || plan.status >= 500) { return "later"; }
      if (plan.status !== 200 || !plan.data.ready) {
        item.state = "choose";
        item.message = plan.status === 200 ? (plan.data.problems || []).join(" ") : problem(plan);
        await put("captures", item);
        return "choose";
      }
      // The body is fixed once: every retry sends the same bytes with the same key (a lost answer is replayed).
      item.body = JSON.stringify({ text: item.text, preview: false, with_insight: true, captured_at: item.capturedAt });
      await put("captures", item);
    }
    const saved = await post(item.body, item.key);
    if (saved === null || saved.status === 401 || saved.status === 403 || saved.status === 409 || saved.status >= 500) {
      return "later";
    }
    if (saved.status === 201) {
      await remove("captures", item.key);
      return "sent";
    }
    // Refused (a second 田中 appeared meanwhile): the rep picks in the preview, under a fresh key, since the old
    // one keeps this refusal as its answer.
    await remove("captures", item.key);
    await put("captures", Object.assign({}, item, { key: newKey(), state: "choose", message: problem(saved), body: "" }));
    return "choose";
  }
  let syncing = false;
  async function sync() {
    if (syncing || !navigator.onLine) { return; }
    syncing = true;
    let sent = 0;
    try {
      for (const item of await all("captures")) {
        if (item.state === "choose") { continue; }
        const outcome = await send(item);
        if (outcome === "later") { break; }
        if (outcome === "sent") { sent += 1; }
      }
    } finally {
      syncing = false;
    }
    if (sent) {
      note = text.sent;
      window.htmx && window.htmx.trigger(body, CHANGED);
    }
    await render();
  }

  // --- business-card photos: kept on the device, read (OCR) when the rep taps 読み取る online ------------------
  function cardForm() {
    const input = document.querySelector("form input[type=file][name=images]");
    return input ? input.form : null;
  }
  document.addEventListener("submit", function (event) {
    const form = cardForm();
    if (event.target !== form || navigator.onLine) { return; }
    event.preventDefault();
    const files = Array.from(form.elements.images.files);
    const pasted = form.elements.text ? form.elements.text.value : "";
    if (!files.length && !pasted.trim()) { return; }
    const now = new Date().toISOString();
    const item = { key: newKey(), user: user, createdAt: now, text: pasted, state: "waiting",
      names: files.map(function (f) { return f.name; }).concat(pasted.trim() ? [pasted.trim().slice(0, 20)] : []),
      files: files.map(function (f) { return { name: f.name, type: f.type, blob: f }; }) };
    put("cards", item).then(function () { form.reset(); note = text.queued; render(); });
  }, true);
  function readCard(item, form) {
    const transfer = new DataTransfer();
    item.files.forEach(function (f) { transfer.items.add(new File([f.blob], f.name, { type: f.type })); });
    form.elements.images.files = transfer.files;
    if (form.elements.text) { form.elements.text.value = item.text || ""; }
    sessionStorage.setItem("kizuna-card-reading", item.key);
    form.requestSubmit();
  }
  function cardRead() {  // the pre-filled form came back: the photo reached the server and leaves the device
    const key = sessionStorage.getItem("kizuna-card-reading");
    if (key && document.querySelector("input[name=step][value=save]")) {
      sessionStorage.removeItem("kizuna-card-reading");
      return remove("cards", key);
    }
    return Promise.resolve();
  }

  window.addEventListener("online", function () { note = ""; sync(); });
  window.addEventListener("offline", function () { render(); });
  cardRead().then(function () { return navigator.onLine ? sync() : render(); });
  window.setInterval(function () { if (navigator.onLine) { sync(); } }, 30000);
})();
