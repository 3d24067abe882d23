/*
 * newsportal: a running live coverage's new updates (templates/includes/live_coverage.html), loaded
 * with defer while the coverage runs. Without it the page is complete and a reload shows the latest.
 * It polls the endpoint (articles/views.py LiveUpdatesView) from the page's position on, with the
 * last ETag so a poll that finds nothing is a small 304, and puts what changed in reading order.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live][data-live-running]");
  if (!root || !window.fetch || !window.AbortController) {
    return;
  }
  var HIDDEN_MS = 60000; // at most one poll a minute in a background tab
  var MAX_MS = 60000;
  var TIMEOUT_MS = 20000; // a hung request must not stop the polling for good

  function part(name) {
    return root.querySelector("[data-live-" + name + "]");
  }
  var list = part("updates");
  var summary = part("summary");
  var announcer = part("announcer");
  var notice = part("notice");
  var showButton = part("show");
  var endpoint = root.getAttribute("data-live-endpoint");
  var sequence = parseInt(root.getAttribute("data-live-sequence"), 10) || 0;
  var interval = (parseFloat(root.getAttribute("data-live-poll")) || 15) * 1000;
  var oldestFirst = root.getAttribute("data-live-order") === "oldest";
  var etag = null;
  var timer = null;
  var busy = false;
  var stopped = false;
  var failures = 0;
  var lastPoll = Date.now(); // the page itself is that fresh
  var queued = []; // [{id, el, li}]: new updates held back while the reader is down the list
  var keys = {}; // update id -> [published, id], to order updates and summary items

  function keyOf(el) {
    return [+el.getAttribute("data-published"), +el.getAttribute("data-update-id")];
  }
  Array.prototype.forEach.call(list.querySelectorAll("[data-update-id]"), function (el) {
    keys[el.getAttribute("data-update-id")] = keyOf(el);
  });

  function text(kind, count) {
    return (root.getAttribute("data-" + kind + (count === 1 ? "-one" : "-many")) || "").replace("{count}", count);
  }

  function child(container, attr, id) {
    return container.querySelector(":scope > [" + attr + '="' + id + '"]');
  }

  function compare(a, b) {
    return a[0] - b[0] || a[1] - b[1];
  }

  // Put el in container: over the element with its id (an edit), else before the first it precedes.
  function place(container, attr, el, id, newestFirst) {
    var old = child(container, attr, id);
    if (old) {
      container.replaceChild(el, old);
      return;
    }
    for (var node = container.firstElementChild; node; node = node.nextElementSibling) {
      var other = keys[node.getAttribute(attr)];
      if (other && compare(keys[id], other) * (newestFirst ? 1 : -1) > 0) {
        container.insertBefore(el, node);
        return;
      }
    }
    container.appendChild(el);
  }

  function setSummary(id, li) {
    var old = child(summary, "data-summary-id", id);
    if (li) {
      place(summary, "data-summary-id", li, id, true);
    } else if (old) {
      old.remove();
    }
    part("summary-box").hidden = !summary.children.length;
  }

  function tidy() {
    var empty = part("empty");
    if (empty) {
      empty.hidden = !list.querySelector("[data-update-id]");
    }
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function announce(message) {
    // Emptied first, then filled a moment later: the same sentence twice is announced twice.
    announcer.textContent = "";
    setTimeout(function () {
      announcer.textContent = message;
    }, 100);
  }

  // Insert the held-back updates; return the newest of them.
  function flush() {
    var newest = null;
    queued.forEach(function (item) {
      place(list, "data-update-id", item.el, item.id, !oldestFirst);
      setSummary(item.id, item.li);
      if (!newest || compare(keys[item.id], keys[newest.id]) > 0) {
        newest = item;
      }
    });
    queued = [];
    notice.hidden = true;
    tidy();
    return newest && newest.el;
  }

  // New updates go in at once unless that would push down what the reader is reading.
  function mayInsert() {
    return oldestFirst || list.getBoundingClientRect().top >= 0;
  }

  function unqueue(id) {
    var before = queued.length;
    queued = queued.filter(function (item) {
      return item.id !== id;
    });
    return queued.length < before;
  }

  function apply(data) {
    sequence = data.sequence;
    root.setAttribute("data-live-sequence", sequence);
    var updated = document.querySelector("[data-live-updated]");
    if (updated && data.updated_html) {
      updated.innerHTML = data.updated_html; // "Diperbarui …", formatted by the server
    }
    var added = 0;
    data.updates.forEach(function (update) {
      var el = parse(update.html);
      var li = update.summary_html ? parse(update.summary_html) : null;
      keys[update.id] = keyOf(el);
      if (child(list, "data-update-id", update.id)) {
        place(list, "data-update-id", el, update.id, !oldestFirst); // an edit: in place, at once
        setSummary(update.id, li);
        return;
      }
      added += unqueue(update.id) ? 0 : 1; // an edit of a held-back one is not news again
      queued.push({ id: update.id, el: el, li: li });
    });
    data.removed.forEach(function (id) {
      var el = child(list, "data-update-id", id);
      if (el) {
        el.remove();
      }
      setSummary(id, null);
      unqueue(id);
    });
    var count = queued.length;
    if (count && mayInsert()) {
      flush();
    } else if (count) {
      showButton.textContent = text("new", count);
      notice.hidden = false;
    } else {
      notice.hidden = true;
    }
    tidy();
    if (added) {
      announce(text("announce", count));
    }
    if (!data.live) {
      stop();
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    part("status").textContent = root.getAttribute("data-ended-text");
    Array.prototype.forEach.call(document.querySelectorAll(".article__header .label--live"), function (badge) {
      badge.remove();
    });
  }

  function schedule(ms) {
    clearTimeout(timer);
    if (!stopped) {
      // ±20%, so readers who opened the page together do not poll together.
      timer = setTimeout(tick, ms * (0.8 + Math.random() * 0.4));
    }
  }

  function tick() {
    var waited = Date.now() - lastPoll;
    if (document.visibilityState === "hidden" && waited < HIDDEN_MS) {
      schedule(HIDDEN_MS - waited);
      return;
    }
    poll();
  }

  function poll() {
    if (busy || stopped) {
      return;
    }
    busy = true;
    lastPoll = Date.now();
    var controller = new AbortController();
    var abort = setTimeout(controller.abort.bind(controller), TIMEOUT_MS);
    // The ETag by hand: with cache "no-store" the browser neither keeps nor revalidates a copy itself.
    fetch(endpoint + "?sejak=" + sequence, {
      cache: "no-store",
      credentials: "omit",
      headers: etag ? { "If-None-Match": etag } : {},
      signal: controller.signal,
    })
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (response.status === 404 || response.status === 410) {
          stopped = true; // the article is gone; nothing more will come
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json().then(function (data) {
          apply(data);
          // Only once applied: from now on a 304 means "nothing this page does not have".
          etag = response.headers.get("ETag");
        });
      })
      .then(function () {
        failures = 0;
      })
      .catch(function () {
        failures += 1; // network error, 5xx or a 400 from a lagging server: wait longer each time
      })
      .then(function () {
        clearTimeout(abort);
        busy = false;
        schedule(Math.min(interval * Math.pow(2, failures), MAX_MS));
      });
  }

  showButton.addEventListener("click", function () {
    var newest = flush();
    if (newest) {
      // The only time focus moves: the reader asked to see these updates.
      newest.setAttribute("tabindex", "-1");
      newest.focus({ preventScroll: false });
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !busy) {
      poll(); // back to the tab: catch up at once
    }
  });

  schedule(interval);
})();
