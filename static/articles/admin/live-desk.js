/*
 * The live desk's form (articles/admin/live.py), sent without reloading the page: on a phone
 * over a slow connection only the update goes up and one row comes back. Without JavaScript
 * the form posts normally and the page comes back with the new row.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-live-desk-form]");
  var list = document.querySelector("[data-live-desk-list]");
  if (!form || !list || !window.fetch || !window.FormData) {
    return;
  }
  var status = form.querySelector("[data-live-desk-status]");
  var errorBox = form.querySelector("[data-live-desk-error]");
  var sending = false;

  function clearErrors() {
    errorBox.hidden = true;
    errorBox.textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll(".errorlist[data-from-js]"), function (node) {
      node.remove();
    });
  }

  function showErrors(errors) {
    var general = [];
    Object.keys(errors).forEach(function (name) {
      var messages = errors[name].map(function (error) { return error.message; });
      var field = form.querySelector("[name='" + name + "']");
      if (!field) {
        general = general.concat(messages);
        return;
      }
      var note = document.createElement("p");
      note.className = "errorlist";
      note.setAttribute("role", "alert");
      note.setAttribute("data-from-js", "");
      note.textContent = messages.join(" ");
      field.parentNode.appendChild(note);
    });
    if (general.length) {
      errorBox.textContent = general.join(" ");
      errorBox.hidden = false;
    }
    var first = form.querySelector("[role=alert]:not([hidden])");
    var field = first && first.parentNode.querySelector("input, textarea, select");
    if (field) {
      field.focus();
    }
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (sending) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    if (button && button.name) {
      data.append(button.name, button.value);
    }
    sending = true;
    clearErrors();
    status.textContent = form.getAttribute("data-sending-text") || "…";
    fetch(form.action || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    })
      .then(function (response) {
        return response.json().then(function (payload) {
          return { ok: response.ok, payload: payload };
        });
      })
      .then(function (result) {
        sending = false;
        if (!result.ok) {
          status.textContent = "";
          showErrors(result.payload.errors || {});
          return;
        }
        var template = document.createElement("template");
        template.innerHTML = result.payload.row.trim();
        var row = template.content.firstElementChild;
        row.classList.add("live-desk__row--fresh");
        list.insertBefore(row, list.firstElementChild);
        var empty = document.querySelector("[data-live-desk-empty]");
        if (empty) {
          empty.remove();
        }
        form.reset();
        status.textContent = result.payload.message;
        form.querySelector("textarea, input[type=text]").focus();
      })
      .catch(function () {
        // Offline, or an answer that is not the desk's (a proxy's error page, a login page):
        // say so and keep what was typed, to be sent again.
        sending = false;
        status.textContent = "";
        errorBox.textContent = form.getAttribute("data-failed-text");
        errorBox.hidden = false;
      });
  });
})();
