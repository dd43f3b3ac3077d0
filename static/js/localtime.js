// Shows each talk's time in the reader's own time zone beside the series' time.
// Without JavaScript the series time stands alone, which is still correct.
(function () {
  "use strict";

  function viewerZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return null;
    }
  }

  function fill(root) {
    var zone = viewerZone();
    var slots = root.querySelectorAll("time.talk-time[data-zone]");
    slots.forEach(function (el) {
      var slot = el.parentNode.querySelector(".viewer-time");
      if (!slot || slot.dataset.filled) return;
      var instant = new Date(el.getAttribute("datetime"));
      if (isNaN(instant.getTime())) return;
      var format = new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
      slot.dataset.filled = "1";
      slot.dataset.viewerZone = zone || "";
      // A reader in the series' own zone already sees their time.
      if (zone && zone === el.dataset.zone) return;
      slot.textContent = "· your time: " + format.format(instant);
      slot.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { fill(document); });
  // Talks swapped in by htmx ("show older talks") get their local time too.
  document.addEventListener("htmx:afterSettle", function (event) { fill(event.target); });
})();
