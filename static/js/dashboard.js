/* Draws the dashboards' charts with ECharts from the JSON each page embeds (json_script).
   Each chart is a <div data-chart="KIND" data-source="ID">; when drawn it gets data-rendered.
   Tables that scroll sideways get a hint of the side with more to see. */
(function () {
  "use strict";
  var css = getComputedStyle(document.documentElement);
  var GRADE_COLOURS = {};
  ["excellent", "good", "fair", "poor"].forEach(function (grade) {
    GRADE_COLOURS[grade] = css.getPropertyValue("--grade-" + grade).trim();
  });
  var FONT = css.fontFamily;
  // A phone: labels no smaller than 12 px, and a pie and a radar small enough for their labels.
  var PHONE = window.matchMedia("(max-width: 600px)").matches;

  function numbers(list) {
    return list.map(function (value) { return value === null ? null : Number(value); });
  }

  var BUILDERS = {
    totals: function (data) {
      return {
        grid: { left: 48, right: 16, top: 16, bottom: 90 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.units, axisLabel: { rotate: 45, interval: 0 } },
        // Bars start at 0 (or below it, for a total an adjustment made negative): a zoomed
        // axis would make the gaps between totals look many times larger than they are.
        yAxis: { type: "value", min: function (extent) { return Math.min(0, extent.min); } },
        series: [{
          type: "bar",
          data: numbers(data.totals).map(function (total, index) {
            return { value: total, itemStyle: { color: GRADE_COLOURS[data.grades[index]] } };
          }),
        }],
      };
    },
    grades: function (data) {
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{
          type: "pie",
          radius: PHONE ? ["34%", "58%"] : ["40%", "70%"],
          label: { formatter: "{b}: {c}" },
          data: data.distribution.map(function (item) {
            return { name: item.name, value: item.value, itemStyle: { color: GRADE_COLOURS[item.grade] } };
          }),
        }],
      };
    },
    // A dozen lines in the palette's nine colours cannot be told apart by a paged legend: each
    // line is named at its last quarter, and pointing at one brings it forward. Quarters not
    // yet ranked are left off, so that the names sit at the latest one.
    trend: function (data) {
      var ranked = 0;
      data.trend.series.forEach(function (line) {
        line.ranks.forEach(function (rank, index) { if (rank !== null) ranked = Math.max(ranked, index + 1); });
      });
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 96, top: 16, bottom: 32 },
        xAxis: { type: "category", data: data.trend.periods.slice(0, ranked) },
        yAxis: { type: "value", inverse: true, minInterval: 1, min: 1, name: "" },
        series: data.trend.series.map(function (line) {
          return {
            type: "line",
            name: line.name,
            data: line.ranks.slice(0, ranked),
            connectNulls: false,
            endLabel: { show: true, formatter: "{a}", fontSize: PHONE ? 12 : 11 },
            emphasis: { focus: "series" },
          };
        }),
      };
    },
    radar: function (data) {
      return {
        tooltip: {},
        legend: { bottom: 0 },
        radar: {
          indicator: data.radar.indicators.map(function (item) { return { name: item.name, max: Number(item.max) }; }),
          radius: PHONE ? "50%" : "62%",
        },
        series: [{
          type: "radar",
          data: data.radar.series.map(function (line) { return { name: line.name, value: numbers(line.values) }; }),
        }],
      };
    },
  };

  function draw() {
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.source);
      var build = BUILDERS[element.dataset.chart];
      if (!source || !build || typeof echarts === "undefined") return;
      var chart = echarts.init(element, null, { renderer: "svg" });
      var option = build(JSON.parse(source.textContent));
      option.textStyle = { fontFamily: FONT };
      option.animation = false;
      chart.setOption(option);
      element.dataset.rendered = "true";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  /* Mark each sideways-scrolling table with the side that has more to see (more-left,
     more-right); dashboard.css fades or shadows that side. */
  function scrollHints() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      function update() {
        var hidden = wrap.scrollWidth - wrap.clientWidth;
        wrap.classList.toggle("more-left", wrap.scrollLeft > 1);
        wrap.classList.toggle("more-right", wrap.scrollLeft < hidden - 1);
      }
      wrap.addEventListener("scroll", update, { passive: true });
      window.addEventListener("resize", update);
      update();
    });
  }

  function start() {
    scrollHints();
    draw();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
