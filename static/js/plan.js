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
    if (target && !target.isConnected && target.id) {
      target = document.getElementById(target.id);
    }
    var lost = !document.activeElement || document.activeElement === document.body;
    if (target && target.querySelector && lost) {
      var message = target.querySelector(".plan-notice, .flash");
      if (message) {
        message.focus();
      }
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
