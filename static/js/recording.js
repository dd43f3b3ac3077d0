// Plays a talk's recording inside the page only when the reader asks: the video site's
// player (and its cookies) loads on the click, never with the page.
// Without JavaScript the button stays hidden and the plain link opens the video.
(function () {
  "use strict";

  function arm(frame) {
    var button = frame.querySelector(".recording-play");
    if (!button || frame.dataset.armed) return;
    frame.dataset.armed = "1";
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = frame.dataset.embedUrl;
      var player = document.createElement("iframe");
      player.src = url + (url.indexOf("?") < 0 ? "?" : "&") + "autoplay=1";
      player.title = frame.dataset.embedTitle || "Recording";
      player.className = "recording-player";
      player.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      player.allowFullscreen = true;
      player.referrerPolicy = "strict-origin-when-cross-origin";
      button.replaceWith(player);
      player.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".recording-frame[data-embed-url]").forEach(arm);
  });
})();
