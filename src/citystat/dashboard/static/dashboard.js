/* citystat dashboard: draws each page's chart with the Vega bundle served by citystat itself (never a CDN).
   Without scripts the page still has everything: the chart's description and the data table. */
(function () {
  "use strict";
  function drawCharts() {
    if (typeof window.vegaEmbed !== "function") {
      return;
    }
    document.querySelectorAll(".chart-live[data-spec]").forEach(function (target) {
      var source = document.getElementById(target.getAttribute("data-spec"));
      if (!source) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).then(function () {
        target.setAttribute("data-drawn", "true");
      }).catch(function (error) {
        target.setAttribute("data-drawn", "failed");
        console.warn("citystat: the chart could not be drawn:", error);
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
