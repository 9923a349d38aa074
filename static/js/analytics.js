// Render the Vega-Lite specs that analytics panels embed as JSON (vendored vega-embed, no network).
(function () {
  function renderCharts() {
    document.querySelectorAll("[data-vega-spec]:not([data-rendered])").forEach(function (el) {
      var source = document.getElementById(el.dataset.vegaSpec);
      if (!source || typeof vegaEmbed === "undefined") return;
      el.dataset.rendered = "true";
      vegaEmbed(el, JSON.parse(source.textContent), { actions: false, renderer: "svg" }).catch(function (error) {
        el.textContent = "The chart could not be drawn: " + error.message;
      });
    });
  }
  document.addEventListener("htmx:afterSettle", renderCharts);
  window.addEventListener("load", renderCharts);
})();
