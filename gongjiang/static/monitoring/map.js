/* The human-resources map: the region's subregions coloured by an indicator; click to drill down. */
(function () {
  "use strict";
  var data = GJCharts.readJSON("map-data");
  var cfg = GJCharts.readJSON("map-config");
  var el = document.getElementById("hr-map");
  if (!data || !el) { return; }
  var name = "gj-" + data.region.code;
  echarts.registerMap(name, data.geojson);
  var values = data.values.filter(function (v) { return v.value !== null; }).map(function (v) { return v.value; });
  var min = values.length ? Math.min.apply(null, values) : 0;
  var max = values.length ? Math.max.apply(null, values) : 1;
  if (min === max) { max = min + 1; }
  var chart = GJCharts.init(el);
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: "item",
      formatter: function (p) { return p.name + "<br>" + (data.indicator ? data.indicator.name : "") + ": " + GJCharts.fmt(p.value) + " " + (data.indicator ? data.indicator.unit : ""); }
    },
    visualMap: { min: min, max: max, left: 10, bottom: 10, calculable: true, text: [GJCharts.fmt(max), GJCharts.fmt(min)], inRange: { color: ["#e0f3f8", "#74add1", "#313695"] } },
    series: [{
      type: "map", map: name, roam: true, nameProperty: "name",
      label: { show: true, fontSize: 10 },
      emphasis: { label: { show: true } },
      data: data.values.map(function (v) { return { name: v.name, value: v.value, adcode: v.region }; })
    }]
  });
  el.setAttribute("data-features", String(data.geojson.features.length));
  chart.on("click", function (p) {
    if (!data.drillable || !p.data || !p.data.adcode) { return; }
    var url = cfg.mapUrl.replace("000000", p.data.adcode) + "?indicator=" + encodeURIComponent(data.indicator.code);
    if (cfg.year) { url += "&year=" + cfg.year; }
    window.location.href = url;
  });
})();
