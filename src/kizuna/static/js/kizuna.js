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
      if (capture) { event.preventDefault(); capture.focus(); }
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
  // Confirm dangerous buttons marked with data-confirm.
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
