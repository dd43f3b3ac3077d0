// The reader's time first: each talk's time as one line in the reader's zone and the
// series' zone ("Wed 17 Nov, 22:00 Tokyo (JST) · 13:00 London"), in the reader's own
// clock and date format. The zone is the browser's, or the one picked in the zone bar,
// kept in localStorage only (no cookie, nothing sent to the server).
// Without JavaScript the series time stands alone, which is still correct.
(function () {
  "use strict";

  var KEY = "prisec.zone";

  function isZone(name) {
    if (!name) return false;
    try {
      new Intl.DateTimeFormat("en", { timeZone: name });
      return true;
    } catch (e) {
      return false;
    }
  }

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch (e) {
      return null;
    }
  }

  function pickedZone() {
    try {
      var name = window.localStorage.getItem(KEY);
      return isZone(name) ? name : null;
    } catch (e) {
      return null; // storage refused (private mode): the browser's zone
    }
  }

  function readerZone() {
    return pickedZone() || browserZone();
  }

  // Old spellings browsers still report for some zones, and the names cities go by now.
  var RENAMED = {
    Calcutta: "Kolkata", Saigon: "Ho Chi Minh", Katmandu: "Kathmandu", Rangoon: "Yangon",
    Kiev: "Kyiv", Godthab: "Nuuk", Ulan_Bator: "Ulaanbaatar", Thimbu: "Thimphu"
  };

  // "America/New_York" -> "New York"; "UTC" stays "UTC".
  function city(zone) {
    var parts = zone.split("/");
    var last = parts[parts.length - 1];
    return (RENAMED[last] || last).replace(/_/g, " ");
  }

  // One spelling per zone, so "Asia/Kolkata" and "Asia/Calcutta" count as the same.
  function canonical(zone) {
    try {
      return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
    } catch (e) {
      return zone;
    }
  }

  // The zone's letters in the reader's locale ("JST" in Japanese, "EST" in English), or
  // nothing where the locale knows only an offset ("GMT+9").
  function abbreviation(zone, instant) {
    try {
      var parts = new Intl.DateTimeFormat(undefined, { timeZone: zone, timeZoneName: "short" })
        .formatToParts(instant);
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].type === "timeZoneName") {
          var name = parts[i].value;
          return /^(GMT|UTC)([+\-−]|$)/.test(name) ? "" : name;
        }
      }
    } catch (e) { /* an old browser: the city alone */ }
    return "";
  }

  function dateIn(zone, instant, long) {
    return new Intl.DateTimeFormat(undefined, {
      timeZone: zone,
      weekday: long ? "long" : "short",
      year: "numeric",
      month: long ? "long" : "short",
      day: "numeric"
    }).format(instant);
  }

  function timeIn(zone, instant) {
    return new Intl.DateTimeFormat(undefined, {
      timeZone: zone, hour: "numeric", minute: "2-digit"
    }).format(instant);
  }

  function fillOne(el, zone) {
    var slot = el.parentNode.querySelector(".viewer-time");
    if (!slot) return;
    var instant = new Date(el.getAttribute("datetime"));
    if (isNaN(instant.getTime())) return;
    var seriesZone = el.dataset.zone;
    slot.dataset.viewerZone = zone || "";
    if (!zone || !isZone(seriesZone)) {
      slot.hidden = true;
      slot.textContent = "";
      el.hidden = false;
      return;
    }
    var long = el.dataset.long === "1";
    var readerDate = dateIn(zone, instant, long);
    var abbr = abbreviation(zone, instant);
    var strong = document.createElement("strong");
    strong.className = "reader-time";
    strong.textContent = readerDate + ", " + timeIn(zone, instant) + " " + city(zone) +
      (abbr ? " (" + abbr + ")" : "");
    var parts = [strong];
    // A reader in the series' own zone, or in one whose clocks agree with it at that
    // instant (UTC and London in winter), reads one time; others also see the series' time.
    var seriesDate = dateIn(seriesZone, instant, long);
    var sameClock = seriesDate === readerDate && timeIn(seriesZone, instant) === timeIn(zone, instant);
    if (canonical(zone) !== canonical(seriesZone) && !sameClock) {
      var series = timeIn(seriesZone, instant) + " " + city(seriesZone);
      if (seriesDate !== readerDate) series = seriesDate + ", " + series;
      var rest = document.createElement("span");
      rest.className = "series-time";
      rest.textContent = " · " + series;
      parts.push(rest);
    }
    slot.replaceChildren.apply(slot, parts);
    slot.hidden = false;
    el.hidden = true;
  }

  function fill(root) {
    var zone = readerZone();
    root.querySelectorAll("time.talk-time[data-zone]").forEach(function (el) { fillOne(el, zone); });
  }

  function setUpPicker() {
    var bar = document.getElementById("zone-bar");
    var form = document.getElementById("zone-picker");
    if (!bar || !form) return;
    var input = document.getElementById("zone-input");
    var list = document.getElementById("zone-names");
    var reset = document.getElementById("zone-reset");
    var status = form.querySelector(".zone-status");
    var names = [];
    try {
      names = Intl.supportedValuesOf("timeZone");
    } catch (e) { /* the datalist stays empty; typed names still work */ }
    var fragment = document.createDocumentFragment();
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      fragment.appendChild(option);
    });
    list.appendChild(fragment);

    function show() {
      var picked = pickedZone();
      input.value = readerZone() || "";
      reset.hidden = !picked;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = input.value.trim().replace(/ /g, "_");
      if (!isZone(name)) {
        status.textContent = "Unknown time zone: pick a name from the list, such as Asia/Tokyo.";
        return;
      }
      // Intl gives the canonical spelling ("asia/tokyo" -> "Asia/Tokyo").
      name = new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
      try {
        window.localStorage.setItem(KEY, name);
      } catch (e) { /* not kept, but applied to this page */ }
      status.textContent = "Times shown in " + city(name) + ".";
      show();
      input.value = name;
      fill(document);
    });
    reset.addEventListener("click", function () {
      try {
        window.localStorage.removeItem(KEY);
      } catch (e) { /* nothing kept */ }
      status.textContent = "Times shown in this device's zone.";
      show();
      fill(document);
    });
    show();
    bar.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpPicker();
    fill(document);
  });
  // Talks swapped in by htmx ("show older talks", archive searches) get the reader's time too.
  document.addEventListener("htmx:afterSettle", function (event) { fill(event.target); });
  // Another tab picked a zone: follow it.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) fill(document);
  });
})();
