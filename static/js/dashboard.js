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
