// Behaviour the templates once wrote inline (the Content-Security-Policy allows no inline script):
// a select marked data-autosubmit submits its form when changed; an element with data-percent is a
// progress bar of that width.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
  function bars(root) {
    root.querySelectorAll("[data-percent]").forEach(function (bar) {
      bar.style.width = (parseFloat(bar.dataset.percent) || 0) + "%";
    });
  }
  bars(document);
  document.addEventListener("htmx:afterSwap", function (event) { bars(event.target); });
})();
