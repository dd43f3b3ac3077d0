// Dashboard pages: let htmx show the answers that are forms to correct, not errors.
// A stale save answers 409 with the form and the other organizer's values; htmx would
// ignore a 4xx answer by default.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

// After an htmx swap: move focus to the first field to correct (or the summary of what
// went wrong) when the answer refuses a form; otherwise, when the swap removed the
// focused control (a listing toggle, a skip button), put focus back on its successor,
// so a keyboard or screen-reader user is not dropped at the top of the page.
(function () {
  "use strict";
  var focused = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    focused = null;
    if (active && active !== document.body && target && target.contains(active)) {
      focused = {
        id: active.id,
        name: active.getAttribute("name"),
        value: active.getAttribute("value"),
      };
    }
  });

  function successor(region, was) {
    if (was.id && document.getElementById(was.id)) {
      return document.getElementById(was.id);
    }
    var controls = region.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea");
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if (was.name && c.getAttribute("name") === was.name && c.getAttribute("value") === was.value) {
        return c;
      }
    }
    return controls[0] || null;
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    // An outerHTML swap replaces the target: find its successor by id.
    if (target && !target.isConnected && target.id) {
      target = document.getElementById(target.id);
    }
    if (!target || !target.querySelector) {
      return;
    }
    var first = target.querySelector("[aria-invalid=true], .notice-error, .notice-conflict");
    if (first) {
      if (first.matches(".notice")) {
        first.setAttribute("tabindex", "-1");
      }
      first.focus();
      return;
    }
    var lost = !document.activeElement || document.activeElement === document.body;
    if (focused && lost) {
      var next = successor(target, focused);
      if (next) {
        next.focus();
      }
    }
    focused = null;
  });
})();

// A confirmation htmx brought in as a <dialog> (cancelling a talk) opens as a modal: focus
// moves into it, Escape or "Keep the talk" close it, and a closed one leaves the page.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    var dialogs = document.querySelectorAll("dialog[data-opens-modal]:not([open])");
    for (var i = 0; i < dialogs.length; i++) {
      var dialog = dialogs[i];
      dialog.addEventListener("close", function (event) {
        event.target.remove();
      });
      dialog.showModal();
    }
  });
})();
