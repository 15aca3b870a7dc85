// The dashboards' charts (ECharts, vendored). Each element with data-dashboard-chart names
// the json_script element holding {kind, unit, categories, series: [{name, data, links}]};
// a click on a bar or point opens the list behind that figure. The table beside each chart
// carries the same figures and links without script.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") {
    return;
  }
  document.querySelectorAll("[data-dashboard-chart]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-dashboard-chart"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(box);
    var unit = data.unit || "";
    chart.setOption({
      // No growing bars: the figures are read, not watched, and a click lands on the bar
      // where it will stand (slow phones and test machines alike).
      animation: false,
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) {
        return v === null || v === undefined ? "—" : v + unit; } },
      legend: { type: "scroll", top: 0 },
      xAxis: { type: "category", data: data.categories,
               axisLabel: { interval: 0, rotate: data.categories.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1, max: unit === "%" ? 100 : null },
      series: data.series.map(function (s) {
        return { name: s.name, type: data.kind === "line" ? "line" : "bar",
                 stack: data.kind === "stack" ? "total" : null, data: s.data };
      })
    });
    chart.on("click", function (params) {
      var series = data.series[params.seriesIndex];
      var link = series && series.links[params.dataIndex];
      if (link) {
        window.location.assign(link);
      }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});
