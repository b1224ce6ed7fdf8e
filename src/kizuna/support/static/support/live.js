/* Live updates of the inbox and the ticket page over Server-Sent Events (support/live.py).
 * An element with data-live-url opens an EventSource on it; the server ends each stream after ~30 s and the browser
 * reconnects with Last-Event-ID. Where EventSource is missing or keeps failing, the same URL is polled with ?once=1.
 * No inline script: this file is loaded with <script src> and reads everything from data- attributes. */
(function () {
  "use strict";
  var POLL_MS = 10000;

  function parse(text) {
    var out = [];
    text.split(/\n\n/).forEach(function (block) {
      var event = "message", data = [], id = null;
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) { event = line.slice(7); }
        else if (line.indexOf("data: ") === 0) { data.push(line.slice(6)); }
        else if (line.indexOf("id: ") === 0) { id = line.slice(4); }
      });
      if (data.length || id) { out.push({ type: event, data: data.join("\n"), id: id }); }
    });
    return out;
  }

  function withParam(url, key, value) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + key + "=" + encodeURIComponent(value);
  }

  function listen(root, handlers) {
    var url = root.dataset.liveUrl, last = root.dataset.liveAfter || "", timer = null;
    function deliver(type, data, id) {
      if (id) { last = id; }
      if (handlers[type] && data) { handlers[type](JSON.parse(data)); }
    }
    function poll() {
      fetch(withParam(withParam(url, "once", "1"), "after", last), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) { parse(text).forEach(function (f) { deliver(f.type, f.data, f.id); }); })
        .catch(function () {});
    }
    function fallback() {
      if (!timer) { timer = setInterval(poll, POLL_MS); }
      root.dataset.live = "polling";
    }
    if (!window.EventSource) { fallback(); return; }
    var source = new EventSource(last ? withParam(url, "after", last) : url), failures = 0;
    source.onopen = function () { failures = 0; root.dataset.live = "stream"; };
    source.onerror = function () {
      failures += 1;
      if (failures >= 5 || source.readyState === EventSource.CLOSED) { source.close(); fallback(); }
    };
    Object.keys(handlers).forEach(function (type) {
      source.addEventListener(type, function (e) { deliver(type, e.data, e.lastEventId); });
    });
  }

  function inbox(root) {
    if (window.location.search.indexOf("cursor=") >= 0) { return; }  // a later page stays as the agent left it
    listen(root, {
      tickets: function () {
        if (window.htmx) { window.htmx.ajax("GET", window.location.href, { target: "#list-body", swap: "outerHTML" }); }
      }
    });
  }

  function ticket(root) {
    var log = document.querySelector("section.conversation"), presence = document.getElementById("presence");
    listen(root, {
      message: function (data) {
        if (!log || document.getElementById("message-" + data.id)) { return; }
        var empty = log.querySelector(".empty");
        if (empty) { empty.remove(); }
        log.insertAdjacentHTML("beforeend", data.html);
        if (window.htmx) { window.htmx.process(log.lastElementChild); }
      },
      presence: function (data) { if (presence) { presence.innerHTML = data.html; } }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-url]").forEach(function (root) {
      if (root.dataset.liveKind === "inbox") { inbox(root); } else if (root.dataset.liveKind === "ticket") { ticket(root); }
    });
  });
})();
