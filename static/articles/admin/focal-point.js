// The focal-point picker (articles/admin/widgets.py FocalPointWidget): click or tap the image to put
// the marker on what matters, or focus the image and use the arrow keys (Shift: larger steps).
// The hidden inputs get x and y from 0 to 1 with three decimals; the outlines show the 16:9 and
// 1:1 crops articles.images.crop_box() will cut around the point. Pickers added later (a gallery
// row after an upload) are set up through window.newsportalFocalPoint.init(root).
"use strict";
(() => {
  const STEP = 0.01;
  const BIG_STEP = 0.1;
  const clamp = (value) => Math.min(1, Math.max(0, value));
  const round = (value) => Math.round(clamp(value) * 1000) / 1000;

  // Mirrors articles.images.crop_box: the largest box of the ratio, centred on the point, kept inside.
  function cropBox(width, height, ratioW, ratioH, x, y) {
    let boxW = width;
    let boxH = height;
    if (width * ratioH > height * ratioW) boxW = (height * ratioW) / ratioH;
    else boxH = (width * ratioH) / ratioW;
    const left = Math.min(Math.max(0, x * width - boxW / 2), width - boxW);
    const top = Math.min(Math.max(0, y * height - boxH / 2), height - boxH);
    return { left: left / width, top: top / height, width: boxW / width, height: boxH / height };
  }

  function setUp(picker) {
    if (picker.dataset.ready) return;
    const frame = picker.querySelector(".focal-point__frame");
    const xInput = document.getElementById(picker.dataset.xInput);
    const yInput = document.getElementById(picker.dataset.yInput);
    if (!frame || !xInput || !yInput) return;
    picker.dataset.ready = "1";
    const image = frame.querySelector("img");
    const marker = frame.querySelector(".focal-point__marker");
    const readout = picker.querySelector("[data-focal-readout]");
    const template = picker.closest("[data-focal-readout-template]");
    const words = (template && template.dataset.focalReadoutTemplate) || "{x}% dari kiri, {y}% dari atas";

    function draw(announce) {
      const x = clamp(parseFloat(xInput.value) || 0.5);
      const y = clamp(parseFloat(yInput.value) || 0.5);
      marker.style.left = `${x * 100}%`;
      marker.style.top = `${y * 100}%`;
      const width = image.naturalWidth || image.clientWidth;
      const height = image.naturalHeight || image.clientHeight;
      if (width && height) {
        for (const outline of frame.querySelectorAll(".focal-point__crop")) {
          const [ratioW, ratioH] = outline.dataset.ratio.split(":").map(Number);
          const box = cropBox(width, height, ratioW, ratioH, x, y);
          outline.style.left = `${box.left * 100}%`;
          outline.style.top = `${box.top * 100}%`;
          outline.style.width = `${box.width * 100}%`;
          outline.style.height = `${box.height * 100}%`;
        }
      }
      if (readout && announce !== false) {
        readout.textContent = words.replace("{x}", Math.round(x * 100)).replace("{y}", Math.round(y * 100));
      }
    }

    function place(x, y) {
      xInput.value = round(x).toFixed(3);
      yInput.value = round(y).toFixed(3);
      xInput.dispatchEvent(new Event("change", { bubbles: true }));
      draw();
    }

    frame.addEventListener("click", (event) => {
      const box = image.getBoundingClientRect();
      if (!box.width || !box.height) return;
      place((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
      frame.focus();
    });
    frame.addEventListener("keydown", (event) => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      const move = moves[event.key];
      // Alt+arrows belong to the gallery row (reordering).
      if (!move || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      event.stopPropagation();
      const step = event.shiftKey ? BIG_STEP : STEP;
      place((parseFloat(xInput.value) || 0.5) + move[0] * step, (parseFloat(yInput.value) || 0.5) + move[1] * step);
    });
    if (image.complete) draw();
    else image.addEventListener("load", () => draw(), { once: true });
    draw();
  }

  function init(root) {
    for (const picker of (root || document).querySelectorAll("[data-focal-point]")) setUp(picker);
  }

  window.newsportalFocalPoint = { init };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => init());
  else init();
})();
