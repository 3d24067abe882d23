// The gallery manager (articles/admin/galleries.py). Uploads: every chosen or dropped file is sent
// in its own request, one at a time (so the photos are stored in the order they were chosen;
// the server makes each one's renditions, so parallel requests would gain little), with its own
// progress bar and result line;
// a refused file does not stop the others, and each stored photo's row is added to the list.
// Order: drag a row by its handle, press "Naik"/"Turun", or Alt+ArrowUp/ArrowDown on a focused
// row; the position numbers follow and the new place is announced. "Simpan" sends the whole list.
// Without this script the upload form posts all files at once and the numbers set the order.
"use strict";
(() => {
  const MAX_IN_FLIGHT = 1;
  const root = document.querySelector(".gallery-manager");
  if (!root) return;
  const uploadForm = root.querySelector(".gallery-upload");
  const fileInput = uploadForm.querySelector("input[type=file]");
  const dropZone = uploadForm.querySelector("[data-drop-zone]");
  const results = uploadForm.querySelector("[data-upload-results]");
  const list = root.querySelector("[data-gallery-list]");
  const announcer = root.querySelector("[data-order-announcer]");
  const csrf = uploadForm.querySelector("input[name=csrfmiddlewaretoken]").value;
  const text = root.dataset;

  // --- Uploads ---------------------------------------------------------------------------
  const queue = [];
  let inFlight = 0;

  function resultLine(file) {
    const item = document.createElement("li");
    item.className = "gallery-uploads__item";
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", file.name);
    const status = document.createElement("span");
    status.className = "gallery-uploads__status";
    status.textContent = `${file.name}: ${text.waitingText}`;
    item.append(progress, " ", status);
    results.append(item);
    return { item, progress, status };
  }

  function finish(line, ok, message) {
    line.item.classList.add(ok ? "gallery-uploads__item--ok" : "gallery-uploads__item--error");
    // The transfer is over either way; the line's colour and text say how it ended.
    line.progress.value = 100;
    line.status.textContent = message;
  }

  function addRow(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const row = template.content.firstElementChild;
    if (!row) return;
    list.append(row);
    const empty = root.querySelector("[data-gallery-empty]");
    if (empty) empty.remove();
    setUpRow(row);
    if (window.newsportalFocalPoint) window.newsportalFocalPoint.init(row);
    renumber();
  }

  function send(file, line) {
    inFlight += 1;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("photos", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", root.dataset.uploadUrl);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) line.progress.value = Math.round((event.loaded / event.total) * 99);
    });
    request.addEventListener("load", () => {
      const answer = request.response || {};
      if (request.status === 200 && answer.ok) {
        finish(line, true, answer.message || `${file.name}: ${text.uploadedText}`);
        addRow(answer.row_html);
      } else {
        finish(line, false, answer.error || `${file.name}: ${text.failedText} (${request.status})`);
      }
    });
    request.addEventListener("error", () => finish(line, false, `${file.name}: ${text.failedText}`));
    request.addEventListener("loadend", () => {
      inFlight -= 1;
      pump();
    });
    request.send(data);
  }

  function pump() {
    while (inFlight < MAX_IN_FLIGHT && queue.length) {
      const next = queue.shift();
      send(next.file, next.line);
    }
    root.classList.toggle("gallery-manager--uploading", inFlight > 0);
    if (!inFlight && !queue.length) root.dataset.uploadsIdle = "1";
    else delete root.dataset.uploadsIdle;
  }

  function upload(files) {
    for (const file of files) queue.push({ file, line: resultLine(file) });
    pump();
  }

  const noJsSubmit = uploadForm.querySelector("[data-no-js-submit]");
  if (noJsSubmit) noJsSubmit.hidden = true;
  fileInput.addEventListener("change", () => {
    upload(Array.from(fileInput.files));
    fileInput.value = "";
  });
  uploadForm.addEventListener("submit", (event) => {
    event.preventDefault();
    upload(Array.from(fileInput.files));
    fileInput.value = "";
  });
  const carriesFiles = (event) => Array.from(event.dataTransfer.types || []).includes("Files");
  dropZone.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dropZone.classList.add("gallery-upload__drop--over");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("gallery-upload__drop--over"));
  dropZone.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dropZone.classList.remove("gallery-upload__drop--over");
    upload(Array.from(event.dataTransfer.files));
  });

  // --- Order -------------------------------------------------------------------------------
  const rows = () => Array.from(list.querySelectorAll(":scope > .gallery-row"));

  function renumber() {
    const all = rows();
    all.forEach((row, index) => {
      const input = row.querySelector(".gallery-row__position-input");
      if (input) input.value = index + 1;
    });
    const count = root.querySelector("[data-photo-count]");
    if (count) count.textContent = all.length;
  }

  function announce(row) {
    const all = rows();
    announcer.textContent = text.positionText
      .replace("{position}", all.indexOf(row) + 1)
      .replace("{total}", all.length);
  }

  function move(row, step) {
    if (step < 0 && row.previousElementSibling) list.insertBefore(row, row.previousElementSibling);
    else if (step > 0 && row.nextElementSibling) list.insertBefore(row.nextElementSibling, row);
    else return false;
    renumber();
    announce(row);
    return true;
  }

  let dragged = null;

  function setUpRow(row) {
    const moveButtons = row.querySelector(".gallery-row__move");
    if (moveButtons) moveButtons.hidden = false;
    const handle = row.querySelector(".gallery-row__handle");
    if (handle) {
      handle.draggable = true;
      handle.addEventListener("dragstart", (event) => {
        dragged = row;
        row.classList.add("gallery-row--dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.dataset.photoId);
        event.dataTransfer.setDragImage(row, 20, 20);
      });
      handle.addEventListener("dragend", () => {
        row.classList.remove("gallery-row--dragging");
        dragged = null;
        renumber();
      });
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const row = button.closest(".gallery-row");
    move(row, Number(button.dataset.move));
    button.focus();
  });
  list.addEventListener("keydown", (event) => {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    const row = event.target.closest(".gallery-row");
    if (!row) return;
    event.preventDefault();
    move(row, event.key === "ArrowUp" ? -1 : 1);
    event.target.focus();
  });
  list.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const target = event.target.closest(".gallery-row");
    if (!target || target === dragged) return;
    const box = target.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? target.nextElementSibling : target);
  });
  list.addEventListener("drop", (event) => {
    if (!dragged) return;
    event.preventDefault();
    renumber();
    announce(dragged);
  });

  rows().forEach(setUpRow);
  renumber();
  root.dataset.ready = "1";
})();
