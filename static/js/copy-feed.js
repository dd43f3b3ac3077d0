// Shows a Copy button beside each feed address and copies the address on click.
// Without JavaScript the address is a read-only text field the reader can select.
(function () {
  "use strict";

  function copy(button) {
    var field = document.getElementById(button.dataset.copyFrom);
    var status = button.parentNode.querySelector(".copy-status");
    if (!field) return;
    var done = function () { if (status) status.textContent = "Copied"; };
    var fallback = function () {
      field.focus();
      field.select();
      // Plain http pages have no clipboard API; the older command still copies a selection.
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      if (status) status.textContent = copied ? "Copied" : "Press Ctrl+C (⌘C) to copy";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  }

  function init() {
    document.querySelectorAll("button.copy-button[data-copy-from]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
    document.querySelectorAll("input.feed-url-field").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
