// Plan the term: a confirmation fetched by htmx opens as a modal <dialog>; once a row or
// the grid is replaced behind it, focus goes to the message saying what happened, so a
// keyboard or screen-reader user is not dropped at the top of the page.
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "plan-dialog") {
      var dialog = target.querySelector("dialog");
      if (dialog && !dialog.open) {
        dialog.showModal();
      }
      return;
    }
    var lost = !document.activeElement || document.activeElement === document.body;
    if (!lost) {
      return;
    }
    // The new content still carries htmx's class for added elements until it settles; a
    // saved draft's row replaces a free one of another id, so it is found this way.
    var message = document.querySelector(
      ".htmx-added .plan-saved, .htmx-added .plan-notice, .htmx-added .flash, .htmx-added.flash"
    );
    if (message) {
      message.focus();
    }
  });

  // A dialog closed with "Keep as draft" (or Escape) leaves nothing behind.
  document.addEventListener(
    "close",
    function (event) {
      var dialog = event.target;
      if (dialog instanceof HTMLDialogElement && dialog.closest("#plan-dialog")) {
        dialog.remove();
      }
    },
    true
  );
})();
