/* The manpower forecast chart: employment and supply of one region and occupation group, recorded then
   forecast, with the 80% and 95% intervals drawn as bands, and the forecast openings as bars. Data from
   the page's JSON block (no inline script: the Content-Security-Policy forbids it). */
(function () {
  "use strict";
  var el = document.getElementById("forecast-data");
  var node = document.getElementById("forecast-chart");
  if (!el || !node || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var L = d.labels;
  function diff(hi, lo) {
    return hi.map(function (h, i) { return h === null || lo[i] === null ? null : Math.max(0, h - lo[i]); });
  }
  function band(name, lo, hi, color, stack) {
    return [
      { name: name, type: "line", data: lo, stack: stack, symbol: "none", lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false } },
      { name: name, type: "line", data: diff(hi, lo), stack: stack, symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: color }, silent: true, tooltip: { show: false } }
    ];
  }
  var series = [];
  var colors = { employment: "#206bc4", supply: "#2fb344" };
  ["employment", "supply"].forEach(function (m) {
    var s = d[m];
    series = series.concat(band(L[m] + " " + L.i95, s.lo95, s.hi95, m === "employment" ? "rgba(32,107,196,0.12)" : "rgba(47,179,68,0.12)", m + "95"));
    series = series.concat(band(L[m] + " " + L.i80, s.lo80, s.hi80, m === "employment" ? "rgba(32,107,196,0.22)" : "rgba(47,179,68,0.22)", m + "80"));
    series.push({ name: L[m] + " " + L.history, type: "line", data: s.history, color: colors[m], symbolSize: 5 });
    series.push({ name: L[m] + " " + L.forecast, type: "line", data: s.forecast, color: colors[m], lineStyle: { type: "dashed" }, symbolSize: 5 });
  });
  series.push({ name: L.openings, type: "bar", data: d.openings, color: "#f59f00", barMaxWidth: 18, yAxisIndex: 1 });
  var chart = window.echarts.init(node, null, { renderer: "canvas" });
  chart.setOption({
    grid: { left: 60, right: 60, top: 40, bottom: 30 },
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [L.employment + " " + L.history, L.employment + " " + L.forecast, L.supply + " " + L.history, L.supply + " " + L.forecast, L.openings] },
    xAxis: { type: "category", data: d.years.map(String) },
    yAxis: [{ type: "value", name: L.persons, scale: true }, { type: "value", name: L.openings, splitLine: { show: false } }],
    series: series
  });
  node.setAttribute("data-drawn", "1");
  window.addEventListener("resize", function () { chart.resize(); });
}());
