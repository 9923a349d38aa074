// Draws each <div data-vega-spec="ID"> with the Vega-Lite spec that json_script wrote under ID (vendored
// vega-embed, no network), once per element, on page load and after every htmx swap. The whole document is
// scanned, so it does not matter which element htmx fires afterSettle on.
(function () {
  function render() {
    document.querySelectorAll("[data-vega-spec]:not([data-rendered])").forEach(function (target) {
      var source = document.getElementById(target.dataset.vegaSpec);
      if (!source) return;
      target.dataset.rendered = "true";
      vegaEmbed(target, JSON.parse(source.textContent), { actions: false, renderer: "svg" }).catch(function (error) {
        target.textContent = "Chart unavailable: " + error.message;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();
