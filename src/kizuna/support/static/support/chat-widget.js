/* Kizuna web chat widget. Embed with one tag (no inline script needed):
 *   <script src="https://kizuna.example.jp/static/support/chat-widget.js" data-site="SITE" async></script>
 * It builds its own DOM in a shadow root, keeps the visitor's token in localStorage (so the conversation survives
 * reloads) and shows the agent's replies as they come: a Server-Sent Events stream read with fetch() (so the token
 * stays in a header), reopened after each ~30 s stream; where a browser cannot stream, it polls instead. Labels come
 * from the server, in the server's language. When the site's FAQ brand is set, the visitor's question is searched in
 * that FAQ as they type (debounced) and the best public articles are offered; opening one is counted. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.site) { return; }
  var site = script.dataset.site;
  var origin = new URL(script.src, location.href).origin;
  var api = origin + "/chat/api/" + encodeURIComponent(site) + "/";
  var storeKey = "kizuna-chat:" + origin + ":" + site;
  var POLL_MS = 3000;
  var FAQ_DELAY_MS = 350, FAQ_MIN_CHARS = 2, FAQ_SHOWN = 3, FAQ_MAX_QUERY = 500;
  var faq = { brand: null, timer: null, query: "", pending: null };
  var state = load();
  var labels = {};
  var lastId = 0;
  var timer = null;
  var streaming = null;
  var streamFailures = 0;
  var ui = {};

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode: no memory */ }
  }
  function call(method, action, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.token) { headers["X-Chat-Token"] = state.token; }
    return fetch(api + action, {
      method: method, headers: headers, mode: "cors", credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var err = new Error(data.detail || r.status); err.status = r.status; throw err; }
        return data;
      });
    });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function build(config) {
    labels = config.labels;
    var host = el("div");
    host.id = "kizuna-chat";
    var root = host.attachShadow({ mode: "open" });
    var css = el("link");
    css.rel = "stylesheet";
    css.href = origin + "/static/support/chat-widget.css";
    root.appendChild(css);
    ui.toggle = el("button", "toggle", labels.open);
    ui.toggle.type = "button";
    ui.panel = el("section", "panel");
    ui.panel.hidden = true;
    ui.panel.setAttribute("aria-label", config.title);
    var head = el("header", "head", config.title);
    var close = el("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", labels.close);
    head.appendChild(close);
    ui.log = el("ol", "log");
    ui.log.setAttribute("aria-live", "polite");
    ui.log.appendChild(el("li", "greeting", config.greeting));
    ui.who = el("form", "who");
    ui.who.appendChild(el("p", "hint", labels.who));
    ui.name = el("input");
    ui.name.name = "name"; ui.name.maxLength = 100; ui.name.placeholder = labels.name; ui.name.setAttribute("aria-label", labels.name);
    ui.email = el("input");
    ui.email.name = "email"; ui.email.type = "email"; ui.email.maxLength = 254; ui.email.placeholder = labels.email; ui.email.setAttribute("aria-label", labels.email);
    var saveBtn = el("button", "", labels.save);
    saveBtn.type = "submit";
    ui.who.append(ui.name, ui.email, saveBtn);
    ui.form = el("form", "compose");
    ui.text = el("textarea");
    ui.text.name = "text"; ui.text.rows = 2; ui.text.maxLength = 2000; ui.text.placeholder = labels.placeholder; ui.text.setAttribute("aria-label", labels.placeholder);
    var send = el("button", "", labels.send);
    send.type = "submit";
    ui.form.append(ui.text, send);
    ui.error = el("p", "error");
    ui.error.setAttribute("role", "alert");
    ui.faq = el("section", "faq");
    ui.faq.hidden = true;
    ui.faq.setAttribute("aria-live", "polite");
    ui.faq.appendChild(el("p", "faq-head", labels.faq));
    ui.faqList = el("ul", "faq-list");
    ui.faq.appendChild(ui.faqList);
    ui.panel.append(head, ui.log, ui.faq, ui.error, ui.form, ui.who);
    root.append(ui.toggle, ui.panel);
    document.body.appendChild(host);

    ui.toggle.addEventListener("click", function () { show(true); });
    close.addEventListener("click", function () { show(false); });
    ui.form.addEventListener("submit", function (event) { event.preventDefault(); post(); });
    ui.text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); post(); }
    });
    ui.who.addEventListener("submit", function (event) { event.preventDefault(); profile(); });
    if (config.faq && config.faq.brand) {
      faq.brand = config.faq.brand;
      ui.text.addEventListener("input", suggest);
    }
    if (state.open) { show(true); }
  }

  function show(open) {
    state.open = open;
    save();
    ui.panel.hidden = !open;
    ui.toggle.hidden = open;
    if (open) { start(); } else { stop(); }
  }
  function fail(error) {
    if (error && error.status === 401) { state.token = null; save(); }
    ui.error.textContent = (error && error.message && isNaN(error.message)) ? error.message : labels.error;
  }
  function conversation() {
    if (state.token) { return Promise.resolve(); }
    return call("POST", "conversation", {}).then(function (data) { state.token = data.token; save(); });
  }
  function start() {
    if (!state.token) { return; }
    poll();
    if (canStream() && streamFailures < 3) { if (!streaming) { stream(); } }
    else if (!timer) { timer = setInterval(poll, POLL_MS); }
  }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    if (streaming) { streaming.abort(); streaming = null; }
  }
  function canStream() {
    return !!(window.fetch && window.AbortController && window.TextDecoder && window.ReadableStream);
  }
  function stream() {
    var controller = new AbortController(), buffer = "", decoder = new TextDecoder();
    streaming = controller;
    fetch(api + "stream?after=" + lastId, {
      headers: { "X-Chat-Token": state.token }, mode: "cors", credentials: "omit", signal: controller.signal
    }).then(function (r) {
      if (!r.ok || !r.body) { throw new Error(r.status); }
      var reader = r.body.getReader();
      function read() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var end;
          while ((end = buffer.indexOf("\n\n")) >= 0) { frame(buffer.slice(0, end)); buffer = buffer.slice(end + 2); }
          return read();
        });
      }
      streamFailures = 0;
      return read();
    }).then(function () {
      if (streaming === controller) { streaming = null; start(); }  // the server ended this stream: open the next
    }).catch(function () {
      if (streaming !== controller) { return; }  // closed by the visitor
      streaming = null;
      streamFailures += 1;
      setTimeout(start, 2000);
    });
  }
  function frame(text) {
    var event = "", data = "";
    text.split("\n").forEach(function (line) {
      if (line.indexOf("event: ") === 0) { event = line.slice(7); }
      else if (line.indexOf("data: ") === 0) { data += line.slice(6); }
    });
    if (event === "message" && data) { append(JSON.parse(data)); }
  }
  function poll() {
    if (!state.token) { return; }
    call("GET", "messages?after=" + lastId).then(function (data) {
      data.messages.forEach(append);
      if (data.visitor.identified) { ui.who.hidden = true; }
    }).catch(fail);
  }
  function append(message) {
    if (message.id <= lastId) { return; }
    lastId = message.id;
    var item = el("li", message.from === "agent" ? "agent" : "visitor");
    item.appendChild(el("span", "by", message.from === "agent" ? (message.agent || labels.agent) : labels.you));
    item.appendChild(el("p", "text", message.text));
    item.dataset.id = message.id;
    ui.log.appendChild(item);
    ui.log.scrollTop = ui.log.scrollHeight;
  }
  function faqBase() { return origin + "/faq/" + encodeURIComponent(faq.brand) + "/"; }
  function suggest() {
    clearTimeout(faq.timer);
    faq.timer = setTimeout(function () { searchFaq(ui.text.value.trim().slice(0, FAQ_MAX_QUERY)); }, FAQ_DELAY_MS);
  }
  function searchFaq(q) {
    if (q === faq.query) { return; }
    faq.query = q;
    if (faq.pending) { faq.pending.abort(); faq.pending = null; }
    if (q.length < FAQ_MIN_CHARS) { showFaq([]); return; }
    var controller = window.AbortController ? new AbortController() : null;
    faq.pending = controller;
    fetch(faqBase() + "search.json?q=" + encodeURIComponent(q), {
      mode: "cors", credentials: "omit", signal: controller ? controller.signal : undefined
    }).then(function (r) { return r.ok ? r.json() : { results: [] }; }).then(function (data) {
      if (faq.pending !== controller) { return; }  // a newer question is on its way
      faq.pending = null;
      showFaq(data.results || []);
    }).catch(function () { /* the FAQ is a help, never an error for the visitor */ });
  }
  function showFaq(results) {
    ui.faqList.textContent = "";
    results.slice(0, FAQ_SHOWN).forEach(function (article) {
      if (typeof article.url !== "string" || article.url.indexOf(origin + "/") !== 0) { return; }
      var item = el("li");
      var link = el("a", "faq-link", article.title);
      link.href = article.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.title = labels.faq_open;
      link.addEventListener("click", function () { opened(article.id); });
      item.appendChild(link);
      if (article.snippet) { item.appendChild(el("span", "faq-snippet", article.snippet)); }
      ui.faqList.appendChild(item);
    });
    ui.faq.hidden = !ui.faqList.firstChild;
  }
  function opened(id) {
    fetch(faqBase() + encodeURIComponent(id) + "/opened.json", {
      method: "POST", mode: "cors", credentials: "omit", keepalive: true
    }).catch(function () { /* counting is best effort */ });
  }
  function post() {
    var text = ui.text.value.trim();
    if (!text) { return; }
    var clientId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, "");
    ui.error.textContent = "";
    conversation().then(function () {
      return call("POST", "messages", { text: text, client_id: clientId });
    }).then(function (data) {
      ui.text.value = "";
      if (faq.brand) { clearTimeout(faq.timer); faq.query = ""; showFaq([]); }
      append(data.message);
      start();
    }).catch(fail);
  }
  function profile() {
    ui.error.textContent = "";
    conversation().then(function () {
      return call("POST", "profile", { name: ui.name.value, email: ui.email.value });
    }).then(function (data) { ui.who.hidden = data.visitor.identified; }).catch(fail);
  }

  call("GET", "config").then(build).catch(function () { /* site not enabled for this origin: show nothing */ });
})();
