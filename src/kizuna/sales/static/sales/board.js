// The deal board: drag a card to another stage (HTML5 drag and drop), posted with htmx; the server answers with the
// whole board, so counts and totals stay right. Each card's ◀ ▶ buttons do the same without dragging.
(function () {
  "use strict";
  let dragged = null;

  function board() { return document.getElementById("deal-board"); }

  document.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".deal-card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    document.querySelectorAll(".board-column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    const column = dragged && event.target.closest && event.target.closest(".board-column[data-stage]");
    if (!column) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    const column = event.target.closest && event.target.closest(".board-column[data-stage]");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
  });

  document.addEventListener("drop", function (event) {
    const column = dragged && event.target.closest && event.target.closest(".board-column[data-stage]");
    if (!column) { return; }
    event.preventDefault();
    const card = dragged;
    dragged = null;
    column.classList.remove("drop-target");
    if (card.closest(".board-column") === column) { return; }
    const root = board();
    const form = root && root.querySelector(".board-post");
    const values = {
      stage: column.dataset.stage,
      version: card.dataset.version,
      query: form ? form.querySelector("[name=query]").value : "",
      csrfmiddlewaretoken: form ? form.querySelector("[name=csrfmiddlewaretoken]").value : ""
    };
    if (column.dataset.kind === "lost") {
      const reason = window.prompt(root.dataset.lostPrompt || "");
      if (!reason || !reason.trim()) { return; }
      values.lost_reason = reason.trim();
    }
    column.querySelector(".board-cards") && column.querySelector(".board-cards").appendChild(card);
    card.classList.add("moving");
    window.htmx.ajax("POST", card.dataset.moveUrl, { target: "#deal-board", swap: "outerHTML", values: values, source: card });
  });
})();
