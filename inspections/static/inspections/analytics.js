// Bar charts of the inspection analysis (ECharts, vendored): each element with
// data-chart names the json_script element that holds its rows ({label, n}); each chart's
// table stays under it for reading and for screen readers. No inline script (CSP).
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") {
    return;
  }
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var rows = JSON.parse(source.textContent);
    var chart = echarts.init(box);
    chart.setOption({
      grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
      tooltip: {},
      xAxis: { type: "category", data: rows.map(function (r) { return r.label; }),
               axisLabel: { interval: 0, rotate: rows.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1,
               max: box.hasAttribute("data-percent") ? 100 : null },
      series: [{ type: "bar", data: rows.map(function (r) { return r.n; }) }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});
