// The assistant on the ticket page: insert a suggested article into the reply box at the cursor, pick a suggested
// call reason or priority in the side forms, and ask before a draft replaces what the agent already wrote.
(function () {
  "use strict";
  function replyBox() { return document.getElementById("reply-body"); }

  function insertAtCursor(box, text) {
    var start = box.selectionStart != null ? box.selectionStart : box.value.length;
    var end = box.selectionEnd != null ? box.selectionEnd : box.value.length;
    var before = box.value.slice(0, start), after = box.value.slice(end);
    var pad = before && !/\n$/.test(before) ? "\n" : "";
    box.value = before + pad + text + (after && !/^\n/.test(after) ? "\n" : "") + after;
    var caret = (before + pad + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var insert = event.target.closest("[data-kb-insert]");
    if (insert) {
      var box = replyBox();
      if (!box) { return; }
      insertAtCursor(box, insert.getAttribute("data-kb-insert"));
      var choice = document.getElementById("kb-article-choice");
      if (choice) { choice.value = insert.getAttribute("data-kb-article") || ""; }
      insert.textContent = insert.getAttribute("data-kb-done") || "✓";
      return;
    }
    var pick = event.target.closest("[data-kb-select]");
    if (pick) {
      var select = document.querySelector(pick.getAttribute("data-kb-select"));
      if (select) {
        select.value = pick.getAttribute("data-kb-value");
        select.dispatchEvent(new Event("change", { bubbles: true }));
        select.focus();
      }
    }
  });

  document.body.addEventListener("kb-llm-error", function (event) {
    var box = document.getElementById("kb-summary");
    if (!box) { return; }
    var note = document.createElement("p");
    note.className = "flash-error small";
    note.setAttribute("role", "alert");
    note.textContent = event.detail && event.detail.value ? event.detail.value : String(event.detail || "");
    box.replaceChildren(note);
  });

  document.addEventListener("htmx:confirm", function (event) {
    var button = event.detail.elt;
    if (!button || !button.hasAttribute || !button.hasAttribute("data-confirm-replace")) { return; }
    var box = replyBox();
    if (!box || !box.value.trim()) { return; }
    event.preventDefault();
    if (window.confirm(button.getAttribute("data-confirm-replace"))) { event.detail.issueRequest(true); }
  });
})();
