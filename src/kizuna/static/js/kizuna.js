// Small behaviours that CSP allows (no inline scripts): keyboard shortcut for search, quick-result navigation.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select";
    if (event.key === "/" && !typing) {
      const box = document.getElementById("quick-q");
      if (box) { event.preventDefault(); box.focus(); }
    }
    if (event.key === "n" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const capture = document.getElementById("capture-text");
      if (capture) { event.preventDefault(); setCapture(true); capture.focus(); }
    }
    if (event.key === "Escape") {
      const results = document.getElementById("quick-results");
      if (results) { results.innerHTML = ""; }
    }
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && event.target.id === "quick-q" ||
        event.target.closest && event.target.closest("#quick-results")) {
      const links = Array.from(document.querySelectorAll("#quick-results a"));
      if (!links.length || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) { return; }
      event.preventDefault();
      const index = links.indexOf(document.activeElement);
      const next = event.key === "ArrowDown" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, -1);
      (next < 0 ? document.getElementById("quick-q") : links[next]).focus();
    }
  });
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }
  // Relationship maps: ECharts (vendored) over the server's JSON; the static SVG stays when it is missing.
  function drawRelationshipMaps() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-relmap]").forEach(function (box) {
      const source = document.getElementById(box.dataset.relmap);
      if (!source || box.dataset.drawn) { return; }
      const data = JSON.parse(source.textContent);
      box.hidden = false;
      box.dataset.drawn = "1";
      const staticMap = box.parentElement.querySelector(".relmap-static");
      if (staticMap) { staticMap.hidden = true; }
      const chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        // The tooltip is HTML: every string from the data is escaped (a name may hold markup).
        tooltip: { formatter: function (p) { return escapeHtml(p.dataType === "node" ? p.data.name + (p.data.value ? "（" + p.data.value + "）" : "") : (p.data.label || "")); } },
        legend: [{ data: data.categories.map(function (c) { return c.name; }), bottom: 0 }],
        series: [{
          type: "graph", layout: "none", roam: true, draggable: true, categories: data.categories,
          data: data.nodes, links: data.links, label: { show: true, position: "top", fontSize: 11 },
          edgeLabel: { show: true, formatter: function (p) { return p.data.label || ""; }, fontSize: 10 },
          lineStyle: { opacity: 0.6, curveness: 0.1 }, emphasis: { focus: "adjacency" }
        }]
      });
      chart.on("click", function (p) { if (p.dataType === "node" && p.data.url) { window.location.href = p.data.url; } });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  window.addEventListener("load", drawRelationshipMaps);
  document.addEventListener("htmx:afterSettle", drawRelationshipMaps);
  // Main menu groups (<details>): one open at a time; Escape or a click elsewhere closes it; arrows move within it.
  function navGroups() { return Array.from(document.querySelectorAll(".topbar details.navgroup")); }
  document.addEventListener("toggle", function (event) {
    const opened = event.target;
    if (!opened.classList || !opened.classList.contains("navgroup") || !opened.open) { return; }
    navGroups().forEach(function (other) { if (other !== opened) { other.open = false; } });
  }, true);
  document.addEventListener("click", function (event) {
    navGroups().forEach(function (group) { if (group.open && !group.contains(event.target)) { group.open = false; } });
  });
  document.addEventListener("keydown", function (event) {
    const group = event.target.closest && event.target.closest(".topbar details.navgroup");
    if (!group) { return; }
    if (event.key === "Escape" && group.open) {
      group.open = false;
      group.querySelector("summary").focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const links = Array.from(group.querySelectorAll(".navmenu a, .navmenu button"));
      if (!links.length) { return; }
      event.preventDefault();
      group.open = true;
      const index = links.indexOf(document.activeElement);
      const next = event.key === "ArrowDown" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, 0);
      links[index < 0 ? 0 : next].focus();
    }
  });
  // On a phone the capture bar folds away under its button (remembered on the device); the "n" key opens it.
  function setCapture(open) {
    const bar = document.getElementById("capturebar");
    const toggle = document.querySelector(".capture-toggle");
    if (!bar || !toggle) { return; }
    bar.classList.toggle("folded", !open);
    toggle.setAttribute("aria-expanded", String(open));
    try { window.localStorage.setItem("kizuna-capture-folded", open ? "" : "1"); } catch (error) { /* private mode */ }
  }
  document.addEventListener("click", function (event) {
    const toggle = event.target.closest && event.target.closest(".capture-toggle");
    if (!toggle) { return; }
    const open = toggle.getAttribute("aria-expanded") !== "true";
    setCapture(open);
    if (open) { document.getElementById("capture-text").focus(); }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.id === "capture-text") { setCapture(true); }
  });
  try { if (window.localStorage.getItem("kizuna-capture-folded")) { setCapture(false); } } catch (error) { /* */ }
  // Confirm dangerous buttons marked with data-confirm.
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
