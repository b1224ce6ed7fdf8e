// Sales dashboards: draws the charts from the page's JSON (#dashboard-data); a click opens the records behind a bar.
(function () {
  "use strict";
  function draw() {
    const source = document.getElementById("dashboard-data");
    const script = document.getElementById("dashboard-script");
    if (!source || !window.echarts || !script) { return; }
    const data = JSON.parse(source.textContent);
    const records = script.dataset.recordsUrl;
    const yen = function (v) { return "¥" + Number(v || 0).toLocaleString("ja-JP"); };
    function chart(name, option, drills) {
      const box = document.querySelector('[data-chart="' + name + '"]');
      if (!box || box.dataset.drawn) { return; }
      box.hidden = false;
      box.dataset.drawn = "1";
      const c = window.echarts.init(box, null, { renderer: "svg" });
      c.setOption(option);
      c.on("click", function (p) {
        const drill = drills(p);
        if (drill) { window.location.href = records + "?" + drill; }
      });
      window.addEventListener("resize", function () { c.resize(); });
    }
    const months = data.forecast.months;
    const labels = document.documentElement.lang === "en"
      ? { target: "Target", committed: "Won", weighted: "Weighted pipeline", count: "Deals", amount: "Amount" }
      : { target: "目標", committed: "受注（確定）", weighted: "加重パイプライン", count: "件数", amount: "金額" };
    chart("monthly", {
      tooltip: { trigger: "axis", valueFormatter: yen },
      legend: { bottom: 0 },
      grid: { left: 80, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: months.map(function (m) { return m.period; }) },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return (v / 10000).toLocaleString("ja-JP") + "万"; } } },
      series: [
        { name: labels.committed, type: "bar", stack: "f", data: months.map(function (m) { return m.committed; }) },
        { name: labels.weighted, type: "bar", stack: "f", data: months.map(function (m) { return m.weighted; }) },
        { name: labels.target, type: "line", data: months.map(function (m) { return m.target; }) }
      ]
    }, function (p) {
      const m = months[p.dataIndex];
      return p.seriesIndex === 1 ? m.weighted_drill : m.committed_drill;
    });
    const stages = data.pipeline_by_stage;
    chart("stages", {
      tooltip: { trigger: "axis" },
      grid: { left: 90, right: 16, top: 8, bottom: 24 },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return (v / 10000).toLocaleString("ja-JP") + "万"; } } },
      yAxis: { type: "category", inverse: true, data: stages.map(function (s) { return s.stage; }) },
      series: [{ name: labels.amount, type: "bar", data: stages.map(function (s) { return s.amount; }),
                 tooltip: { valueFormatter: yen } }]
    }, function (p) { return stages[p.dataIndex].drill; });
    const funnel = data.analysis.funnel;
    chart("funnel", {
      tooltip: { trigger: "item" },
      series: [{ type: "funnel", sort: "none", minSize: "10%", left: 8, right: 8, top: 8, bottom: 8,
                 label: { position: "inside", color: "#fff", formatter: "{b}: {c}" },
                 data: funnel.map(function (f) { return { name: f.stage, value: f.reached }; }) }]
    }, function () { return null; });
  }
  window.addEventListener("load", draw);
})();
