// The article form: copy the shared preview link to the clipboard, and keep the live slug
// (Django's prepopulated field) on the server's rule, articles.models.headline_slug().
"use strict";

// A decimal comma or point between digits becomes a hyphen ("5,6" -> "5-6", "1.500" -> "1-500");
// URLify would drop it and fuse the numbers. prepopulate.js looks URLify up on every keystroke,
// so wrapping it once the admin's scripts have run is enough.
const DECIMAL_SEPARATOR_RE = /(\d)[.,](?=\d)/g;

function wrapURLify() {
  const urlify = window.URLify;
  if (typeof urlify !== "function" || urlify.keepsDecimals) return;
  const wrapped = (text, maxLength, allowUnicode) =>
    urlify(String(text).replace(DECIMAL_SEPARATOR_RE, "$1-"), maxLength, allowUnicode);
  wrapped.keepsDecimals = true;
  window.URLify = wrapped;
}

wrapURLify();
document.addEventListener("DOMContentLoaded", wrapURLify);

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) return;
  input.select();
  const done = () => {
    const label = button.textContent;
    button.textContent = button.dataset.copiedText || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
