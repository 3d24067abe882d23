/*
 * newsportal: photo galleries (templates/includes/gallery.html), loaded with defer on gallery
 * pages only. Without it every photo is shown, one under the other. With it the list becomes a
 * strip of one photo at a time: CSS scroll-snap gives the phone's own swipe, buttons and the
 * arrow keys page through it, the position is announced, and the address names the photo
 * (#foto-3) so it can be shared. …/#foto-3 and …/foto/3/ open at photo 3.
 */
(function () {
  "use strict";

  var HASH_RE = /^#foto-(\d+)$/;

  function button(className, label, glyph) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "gallery-controls__button " + className;
    element.setAttribute("aria-label", label);
    element.setAttribute("aria-controls", "galeri-foto");
    var icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = glyph;
    element.appendChild(icon);
    return element;
  }

  function numberInHash() {
    var match = HASH_RE.exec(window.location.hash);
    return match ? parseInt(match[1], 10) : 0;
  }

  function setUp(root) {
    var list = root.querySelector(".gallery");
    var items = list ? Array.prototype.slice.call(list.children) : [];
    if (items.length < 2) {
      return;
    }
    var total = items.length;
    var address = root.getAttribute("data-address") || window.location.pathname;
    var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
    var index = -1;

    // A photo page lists its photo first (3, 4, ... 1, 2): back in order, the viewer opens at it.
    items.sort(function (a, b) {
      return parseInt(a.getAttribute("data-number"), 10) - parseInt(b.getAttribute("data-number"), 10);
    });
    items.forEach(function (item) {
      list.appendChild(item);
    });

    var previous = button("gallery-controls__previous", root.getAttribute("data-label-previous"), "‹");
    var next = button("gallery-controls__next", root.getAttribute("data-label-next"), "›");
    var position = document.createElement("p");
    position.className = "gallery-controls__position";
    position.setAttribute("aria-live", "polite");
    position.setAttribute("aria-atomic", "true");
    position.setAttribute("data-gallery-position", "");
    var controls = document.createElement("div");
    controls.className = "gallery-controls";
    controls.appendChild(previous);
    controls.appendChild(position);
    controls.appendChild(next);
    list.parentNode.insertBefore(controls, list.nextSibling);

    root.classList.add("gallery-viewer--active");
    list.setAttribute("tabindex", "0");
    list.setAttribute("aria-label", root.getAttribute("data-label-position") || "");

    function clamp(value) {
      return Math.max(0, Math.min(total - 1, value));
    }

    function update(newIndex, remember) {
      if (newIndex === index) {
        return;
      }
      index = newIndex;
      position.textContent = index + 1 + " / " + total;
      previous.disabled = index === 0;
      next.disabled = index === total - 1;
      items.forEach(function (item, itemIndex) {
        // Only the photo on show takes focus and is read out; its neighbours load ahead of a swipe.
        item.inert = itemIndex !== index;
        if (Math.abs(itemIndex - index) === 1) {
          var image = item.querySelector("img[loading=lazy]");
          if (image) {
            image.loading = "eager";
          }
        }
      });
      if (remember && window.history.replaceState) {
        window.history.replaceState(window.history.state, "", address + "#foto-" + (index + 1));
      }
    }

    function show(newIndex, instant) {
      newIndex = clamp(newIndex);
      // "instant", not "auto": auto follows the strip's CSS scroll-behavior, which is smooth.
      var behavior = instant || reducedMotion.matches ? "instant" : "smooth";
      list.scrollTo({ left: items[newIndex].offsetLeft, behavior: behavior });
      update(newIndex, !instant);
    }

    function settled() {
      var width = list.clientWidth || 1;
      update(clamp(Math.round(list.scrollLeft / width)), true);
    }

    previous.addEventListener("click", function () {
      show(index - 1);
    });
    next.addEventListener("click", function () {
      show(index + 1);
    });
    root.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      var keys = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: total - 1 };
      if (!(event.key in keys)) {
        return;
      }
      event.preventDefault();
      show(keys[event.key]);
    });

    if ("onscrollend" in window) {
      list.addEventListener("scrollend", settled);
    } else {
      var timer = 0;
      list.addEventListener("scroll", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(settled, 120);
      });
    }
    window.addEventListener("hashchange", function () {
      var number = numberInHash();
      if (number) {
        show(number - 1);
      }
    });
    window.addEventListener("resize", function () {
      list.scrollTo({ left: items[index].offsetLeft, behavior: "instant" });
    });

    var fromHash = numberInHash();
    var start = clamp((fromHash || parseInt(root.getAttribute("data-start"), 10) || 1) - 1);
    show(start, true);
    if (fromHash) {
      root.scrollIntoView({ block: "start" });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-gallery]"), setUp);
})();
