/* The overview: trend charts with trajectory and forecast band, rankings, breakdowns. */
(function () {
  "use strict";
  var data = GJCharts.readJSON("dashboard-data");
  var L = GJCharts.readJSON("dashboard-labels") || {};
  if (!data || !data.ready) { return; }
  var fmt = GJCharts.fmt;

  function cumulative(series, k) {
    /* Running sums of a flow from the target's window to its horizon: actual, then forecast. */
    var first = parseInt(k.window_start.slice(0, 4), 10);
    var total = 0, last = null;
    var history = [], points = [];
    series.history.forEach(function (h) {
      if (h[0] >= first && h[0] <= k.horizon) { total += h[1]; history.push([h[0], total]); last = h[0]; }
    });
    var lo = total, hi = total;
    series.points.forEach(function (p) {
      if (p[0] >= first && p[0] <= k.horizon && (last === null || p[0] > last)) {
        total += p[1]; lo += p[2]; hi += p[3]; points.push([p[0], total, lo, hi]);
      }
    });
    return { indicator: series.indicator, history: history, points: points, window: first };
  }

  function trend(el, series) {
    var kpis = data.kpis.filter(function (k) { return !k.expired && k.indicator === series.indicator && k.trajectory && k.trajectory.length; });
    var cum = kpis.filter(function (k) { return k.kind === "cumulative" && k.window_start; })[0];
    var subtitle = "";
    if (cum) {
      series = cumulative(series, cum);
      kpis = kpis.filter(function (k) { return k.kind === "cumulative" && k.window_start === cum.window_start; });
      subtitle = (L.cumulativeFrom || "") + " " + cum.window_start;
    }
    var years = {};
    series.history.forEach(function (h) { years[h[0]] = true; });
    series.points.forEach(function (p) { years[p[0]] = true; });
    kpis.forEach(function (k) { k.trajectory.forEach(function (t) { years[t[0]] = true; }); });
    var axis = Object.keys(years).map(Number).sort(function (a, b) { return a - b; });
    var index = {}; axis.forEach(function (y, i) { index[y] = i; });
    function column(pairs, pick) {
      var out = axis.map(function () { return null; });
      pairs.forEach(function (p) { out[index[p[0]]] = pick(p); });
      return out;
    }
    var actual = column(series.history, function (p) { return p[1]; });
    var forecast = column(series.points, function (p) { return p[1]; });
    var lastActual = series.history.length ? series.history[series.history.length - 1] : null;
    if (lastActual && series.points.length) { forecast[index[lastActual[0]]] = lastActual[1]; }
    var lo = column(series.points, function (p) { return p[2]; });
    var band = column(series.points, function (p) { return p[3] - p[2]; });
    var out = [
      { name: L.actual, type: "line", data: actual, symbolSize: 4, connectNulls: false, itemStyle: { color: "#0d6efd" } },
      { name: L.forecast, type: "line", data: forecast, lineStyle: { type: "dashed" }, symbol: "none", itemStyle: { color: "#6f42c1" } },
      { name: "lo", type: "line", data: lo, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false } },
      { name: L.interval, type: "line", data: band, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(111,66,193,0.18)" } }
    ];
    kpis.forEach(function (k, i) {
      var traj = column(k.trajectory, function (p) { return p[1]; });
      var mark = [];
      if (k.target_value !== null && index[k.horizon] !== undefined && (k.kind === "level" || k.kind === "cumulative")) {
        mark.push({ coord: [String(k.horizon), k.target_value], value: fmt(k.target_value) });
      }
      out.push({
        name: L.trajectory + (kpis.length > 1 ? " " + k.horizon + (kpis.filter(function (o) { return o.horizon === k.horizon; }).length > 1 ? "·" + (i + 1) : "") : ""), type: "line", data: traj, symbol: "none",
        lineStyle: { type: "dotted", width: 2 }, itemStyle: { color: ["#dc3545", "#fd7e14", "#198754"][i % 3] },
        markPoint: mark.length ? { symbol: "pin", symbolSize: 34, data: mark } : undefined
      });
    });
    var chart = GJCharts.init(el);
    el.setAttribute("data-mode", cum ? "cumulative" : "yearly");
    chart.setOption({
      animation: false,
      title: subtitle ? { text: subtitle, right: 10, top: 18, textStyle: { fontSize: 10, color: "#6c757d", fontWeight: "normal" } } : undefined,
      grid: { left: 55, right: 15, top: 28, bottom: 25 },
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 0, textStyle: { fontSize: 10 }, data: [L.actual, L.forecast, L.interval].concat(out.slice(4).map(function (s) { return s.name; })) },
      xAxis: { type: "category", data: axis.map(String) },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: fmt } },
      series: out
    });
  }

  data.trends.forEach(function (t) {
    var el = document.getElementById("trend-" + t.indicator);
    if (el) { trend(el, t); }
  });

  var rankingEl = document.getElementById("ranking-chart");
  if (rankingEl) {
    var chart = GJCharts.init(rankingEl);
    var select = document.getElementById("ranking-indicator");
    var draw = function () {
      var rows = (data.rankings[select.value] || []).slice().reverse();
      chart.setOption({
        animation: false,
        grid: { left: 90, right: 40, top: 10, bottom: 20 },
        tooltip: { trigger: "axis", valueFormatter: fmt },
        xAxis: { type: "value", axisLabel: { formatter: fmt } },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", data: rows.map(function (r) { return r.value; }), label: { show: true, position: "right", formatter: function (p) { return fmt(p.value); } } }]
      }, true);
    };
    select.addEventListener("change", draw);
    draw();
  }

  function bars(el, rows, top) {
    rows = rows.slice(0, top || rows.length).reverse();
    var c = GJCharts.init(el);
    c.setOption({
      animation: false,
      legend: { top: 0, textStyle: { fontSize: 10 } },
      grid: { left: 110, right: 20, top: 25, bottom: 20 },
      tooltip: { trigger: "axis", valueFormatter: fmt },
      xAxis: { type: "value", axisLabel: { formatter: fmt } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: { width: 100, overflow: "truncate" } },
      series: [
        { name: L.skilled, type: "bar", data: rows.map(function (r) { return r.skilled; }) },
        { name: L.high, type: "bar", data: rows.map(function (r) { return r.high; }) }
      ]
    });
  }
  var b = data.breakdowns;
  var el = document.getElementById("breakdown-industry");
  if (el) { bars(el, b.industry, 10); }
  el = document.getElementById("breakdown-occupation");
  if (el) { bars(el, b.occupation); }
  el = document.getElementById("breakdown-level");
  if (el) {
    var pie = GJCharts.init(el);
    pie.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: b.level.map(function (r) { return { name: r.label, value: r.skilled }; }) }]
    });
  }
})();
