/*
 * newsportal: small progressive enhancements, loaded with defer from base.html.
 * No third-party code and no inline script, so a strict Content-Security-Policy
 * (script-src 'self') allows it. Every feature works, or degrades, without it.
 */
(function () {
  "use strict";

  // Read beacon: one POST per article view, counted for "Terpopuler". It is a
  // separate request, so views count even when the page came from a cache.
  var tracked = document.querySelector("[data-read-beacon][data-article-id]");
  if (tracked) {
    var url = tracked.getAttribute("data-read-beacon");
    var body = new URLSearchParams({ article: tracked.getAttribute("data-article-id") });
    if (navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
    } else if (window.fetch) {
      fetch(url, { method: "POST", body: body, keepalive: true, credentials: "omit" });
    }
  }

  // "Salin tautan": copy the address instead of opening it. Without JavaScript
  // (or clipboard access) the link simply leads to the article's address.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-copy-link]") : null;
    if (!link || !navigator.clipboard || !window.isSecureContext) {
      return;
    }
    event.preventDefault();
    var status = document.querySelector("[data-copy-status]");
    navigator.clipboard.writeText(link.href).then(
      function () {
        if (status) {
          status.textContent = link.getAttribute("data-copied-message") || "";
        }
      },
      function () {
        window.location.href = link.href;
      }
    );
  });
})();
