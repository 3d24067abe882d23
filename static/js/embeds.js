/*
 * newsportal: click-to-load embeds (articles/embeds.py makes the placeholders).
 * Until a reader presses a placeholder's button, the page asks no third party for
 * anything; then, and only then, the provider's player replaces the button in an
 * <iframe> (the page's CSP allows that provider's frames). No dependencies, no
 * inline script; without JavaScript the caption's plain link leads to the original.
 */
(function () {
  "use strict";

  function load(button) {
    var src = button.getAttribute("data-embed-src");
    if (!src || !/^https:\/\//.test(src)) {
      return;
    }
    var frame = document.createElement("iframe");
    frame.className = "embed__player";
    frame.src = src;
    frame.title = button.getAttribute("data-embed-title") || button.getAttribute("aria-label") || "";
    frame.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture; fullscreen");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.setAttribute("tabindex", "0");
    var figure = button.closest(".embed");
    if (figure) {
      figure.classList.add("embed--loaded");
    }
    button.replaceWith(frame);
    // Keyboard and screen-reader users stay where they were: on the player now.
    frame.focus();
  }

  // A <button>: Enter and Space press it too, so one click handler serves them all.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.embed__play[data-embed-src]") : null;
    if (button) {
      event.preventDefault();
      load(button);
    }
  });
})();
