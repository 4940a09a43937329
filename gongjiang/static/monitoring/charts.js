/* Shared chart helpers for the monitoring pages (ECharts, served locally). */
(function (global) {
  "use strict";
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) { return "—"; }
    var a = Math.abs(v);
    if (a >= 1000) { return Math.round(v).toLocaleString(); }
    return (Math.round(v * 100) / 100).toString();
  }
  function init(el) {
    var chart = global.echarts.init(el, null, { renderer: "canvas" });
    global.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  global.GJCharts = { readJSON: readJSON, fmt: fmt, init: init };
})(window);
