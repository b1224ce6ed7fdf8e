// The duplicate review queue by keyboard (a file, not an inline script: the CSP forbids those).
// Queue: j / k (or ↓ / ↑ inside the list) move between candidate pairs, Enter or o opens the focused one.
// Review page: m merges, x records "not the same person", s or j skips to the next pair, k goes back one,
// Escape returns to the queue. Nothing fires while typing in a field or with a modifier key held.
(function () {
  "use strict";
  const NOT_TYPING = ["radio", "checkbox", "button", "submit", "reset"];

  function ignored(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return true; }
    const target = event.target;
    if (!target || !target.tagName) { return false; }
    if (target.isContentEditable || target.closest("header, .capturebar, details[open]")) { return true; }
    const tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") { return true; }
    return tag === "input" && NOT_TYPING.indexOf((target.type || "").toLowerCase()) < 0;
  }

  const table = document.querySelector('table[data-keyqueue="list"]');
  if (table) {
    document.addEventListener("keydown", function (event) {
      if (ignored(event)) { return; }
      const rows = Array.from(table.querySelectorAll("tbody tr[tabindex]"));
      if (!rows.length) { return; }
      const active = document.activeElement;
      const index = rows.indexOf(active && active.closest ? active.closest("tr") : null);
      let next = null;
      if (event.key === "j" || (event.key === "ArrowDown" && index >= 0)) {
        next = Math.min(index + 1, rows.length - 1);
      } else if (event.key === "k" || (event.key === "ArrowUp" && index >= 0)) {
        next = Math.max(index - 1, 0);
      } else if ((event.key === "Enter" || event.key === "o") && index >= 0 && active === rows[index]) {
        const open = rows[index].querySelector("a[data-open]");
        if (open) { event.preventDefault(); window.location.assign(open.href); }
        return;
      }
      if (next === null) { return; }
      event.preventDefault();
      rows[next].focus();
      rows[next].scrollIntoView({ block: "nearest" });
    });
  }

  const review = document.querySelector('form[data-keyqueue="review"]');
  if (review) {
    let busy = false;
    document.addEventListener("keydown", function (event) {
      if (busy || ignored(event)) { return; }
      if (["m", "x", "s", "j", "k", "Escape"].indexOf(event.key) < 0) { return; }
      const target = document.querySelector('main [data-key="' + event.key + '"]');
      if (!target) { return; }
      event.preventDefault();
      busy = true;
      if (target.tagName.toLowerCase() === "button") {
        target.focus();
        review.requestSubmit(target);
      } else {
        window.location.assign(target.href);
      }
    });
  }
})();
