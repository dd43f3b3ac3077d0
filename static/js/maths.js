// Typesets the maths in abstracts and bios with KaTeX (vendored under static/vendor/katex).
// The server leaves the TeX source as text in <span class="math inline"> and
// <div class="math block">; without JavaScript that source is what readers see.
// KaTeX is fetched only by pages that hold maths.
(function () {
  "use strict";

  var self = document.currentScript;
  var katexScript = self && self.dataset.katex;
  var katexStyle = self && self.dataset.katexCss;
  var loading = null;

  function loadKatex() {
    if (window.katex) return Promise.resolve();
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var style = document.createElement("link");
        style.rel = "stylesheet";
        style.href = katexStyle;
        document.head.appendChild(style);
        var script = document.createElement("script");
        script.src = katexScript;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function typeset(root) {
    var nodes = root.querySelectorAll(".math.inline:not([data-typeset]), .math.block:not([data-typeset])");
    if (!nodes.length || !katexScript) return;
    loadKatex().then(function () {
      nodes.forEach(function (el) {
        if (el.dataset.typeset) return;
        var tex = el.textContent.trim();
        try {
          // trust stays false: \href, \url and \includegraphics render as plain text.
          window.katex.render(tex, el, {
            displayMode: el.classList.contains("block"),
            throwOnError: false,
            trust: false
          });
          el.dataset.typeset = "1";
          el.title = tex;
        } catch (e) {
          // Leave the readable source in place.
        }
      });
    }, function () { /* KaTeX failed to load: the source stays readable. */ });
  }

  document.addEventListener("DOMContentLoaded", function () { typeset(document); });
  document.addEventListener("htmx:afterSettle", function (event) { typeset(event.target); });
})();
