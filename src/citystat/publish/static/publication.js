/* citystat publication: turn each static chart into an interactive one (tooltips) when Vega is loaded.
   The static SVG stays in place if anything fails, so the page never depends on this script. */
(function () {
  "use strict";
  function embedAll() {
    if (typeof window.vegaEmbed !== "function") {
      return;
    }
    document.querySelectorAll("figure.chart").forEach(function (figure) {
      var source = figure.querySelector("script.chart-spec");
      var still = figure.querySelector("img.chart-static");
      var live = figure.querySelector("div.chart-live");
      if (!source || !still || !live) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(live, spec, { actions: false, renderer: "svg" }).then(function () {
        still.hidden = true;
        live.hidden = false;
      }).catch(function (error) {
        console.warn("citystat: chart left static:", error);
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", embedAll);
  } else {
    embedAll();
  }
})();
