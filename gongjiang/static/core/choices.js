// Search-friendly choices (the Content-Security-Policy allows no inline script): a select marked
// data-search gets a search box above it; typing narrows the listed choices to those whose label
// contains the text. Chosen options stay listed. Without script the select is a plain select.
(function () {
  "use strict";
  function narrow(select, text) {
    var needle = text.trim().toLowerCase();
    Array.prototype.forEach.call(select.options, function (option) {
      var match = !needle || option.selected || !option.value ||
        option.text.toLowerCase().indexOf(needle) !== -1;
      option.hidden = !match;
    });
  }
  function enhance(root) {
    root.querySelectorAll("select[data-search]:not([data-search-ready])").forEach(function (select) {
      select.setAttribute("data-search-ready", "1");
      var box = document.createElement("input");
      box.type = "search";
      box.className = "form-control form-control-sm mb-1";
      box.placeholder = select.getAttribute("data-search-placeholder") || "";
      box.setAttribute("aria-label", box.placeholder);
      box.setAttribute("data-search-for", select.name);
      box.addEventListener("input", function () { narrow(select, box.value); });
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
      select.parentNode.insertBefore(box, select);
    });
  }
  enhance(document);
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
