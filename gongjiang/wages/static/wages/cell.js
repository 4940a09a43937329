/* The public wage-price cell page: box-and-whisker chart (P10, P25, median, P75, P90 with the mean), the
   trend of the median with its 95% interval over the published editions, and the skill levels side by side.
   Data from the page's JSON block (no inline script: the Content-Security-Policy forbids it). */
(function () {
  "use strict";
  var el = document.getElementById("cell-data");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(el.textContent);
  var L = data.labels;
  function fmt(v) { return v === null || v === undefined ? "—" : Math.round(v).toLocaleString(); }
  function empty(id) {
    var node = document.getElementById(id);
    if (node) { node.classList.add("chart-empty"); node.textContent = L.empty; }
  }
  function chart(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    var c = window.echarts.init(node, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  var box = data.box;
  var boxChart = box ? chart("box-chart") : null;
  if (boxChart) {
    boxChart.setOption({
      grid: { left: 80, right: 20, top: 20, bottom: 30 },
      tooltip: { trigger: "item", formatter: function (p) {
        if (p.seriesType === "boxplot") {
          var v = p.data.slice(1);
          return ["P10 " + fmt(v[0]), "P25 " + fmt(v[1]), L.median + " " + fmt(v[2]), "P75 " + fmt(v[3]), "P90 " + fmt(v[4])].join("<br>");
        }
        return p.seriesName + " " + fmt(p.data[0]);
      } },
      xAxis: { type: "value", scale: true, name: L.yuan, nameLocation: "middle", nameGap: 22 },
      yAxis: { type: "category", data: [""] },
      series: [
        { name: L.median, type: "boxplot", data: [box.quantiles] },
        { name: L.interval, type: "custom", data: box.quantiles.map(function (q, i) { return [box.lo[i], box.hi[i]]; }),
          renderItem: function (params, api) {
            var a = api.coord([api.value(0), 0]), b = api.coord([api.value(1), 0]);
            return { type: "line", shape: { x1: a[0], y1: a[1] + 28, x2: b[0], y2: b[1] + 28 }, style: { stroke: "#d9534f", lineWidth: 3 } };
          } },
        { name: L.mean, type: "scatter", data: [[box.mean, 0]], symbol: "diamond", symbolSize: 12 }
      ]
    });
  }
  var trend = data.trend;
  var trendChart = trend.length ? chart("trend-chart") : null;
  if (!trendChart) { empty("trend-chart"); }
  if (trendChart) {
    var years = trend.map(function (t) { return String(t.year); });
    trendChart.setOption({
      grid: { left: 70, right: 20, top: 30, bottom: 30 },
      tooltip: { trigger: "axis" },
      legend: { data: [L.p10, L.median, L.p90] },
      xAxis: { type: "category", data: years },
      yAxis: { type: "value", scale: true },
      series: [
        { name: "lo", type: "line", stack: "ci", data: trend.map(function (t) { return t.lo; }), lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
        { name: L.interval, type: "line", stack: "ci", data: trend.map(function (t) { return t.hi - t.lo; }), lineStyle: { opacity: 0 }, areaStyle: { color: "#cfe2ff" }, symbol: "none" },
        { name: L.p10, type: "line", data: trend.map(function (t) { return t.p10; }) },
        { name: L.median, type: "line", data: trend.map(function (t) { return t.p50; }), lineStyle: { width: 3 } },
        { name: L.p90, type: "line", data: trend.map(function (t) { return t.p90; }) }
      ]
    });
  }
  var levels = data.levels.filter(function (l) { return l.box; });
  var levelChart = levels.length ? chart("levels-chart") : null;
  if (!levelChart) { empty("levels-chart"); }
  if (levelChart) {
    levelChart.setOption({
      grid: { left: 80, right: 20, top: 20, bottom: 30 },
      tooltip: { trigger: "item" },
      xAxis: { type: "value", scale: true, name: L.yuan, nameLocation: "middle", nameGap: 22 },
      yAxis: { type: "category", data: levels.map(function (l) { return l.level; }) },
      series: [{ type: "boxplot", data: levels.map(function (l) { return l.box; }) }]
    });
  }
})();
