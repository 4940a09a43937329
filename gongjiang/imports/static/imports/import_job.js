// Polls an import job's status while it runs, moves the progress bar, and reloads the page when it ends.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "1") { return; }
  var url = box.dataset.statusUrl;
  var bar = document.querySelector("#job-progress .progress-bar");
  var outer = document.getElementById("job-progress");
  var stage = document.getElementById("job-stage");
  var status = document.getElementById("job-status");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        if (s.finished) { window.location.reload(); return; }
        if (bar) { bar.style.width = s.percent + "%"; bar.textContent = s.percent + "%"; }
        if (outer) { outer.setAttribute("aria-valuenow", s.percent); }
        if (stage) { stage.textContent = s.stage || ""; }
        if (status) { status.textContent = s.status_display; status.dataset.status = s.status; }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 300);
})();
