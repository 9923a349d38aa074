// Renders each <div data-vega-spec="ID"> with the Vega-Lite spec that json_script wrote under ID,
// on page load and after htmx swaps.
(function () {
  function render(root) {
    root.querySelectorAll("[data-vega-spec]").forEach(function (target) {
      var source = document.getElementById(target.dataset.vegaSpec);
      if (!source || target.dataset.rendered === "1") return;
      target.dataset.rendered = "1";
      vegaEmbed(target, JSON.parse(source.textContent), { actions: false, renderer: "svg" }).catch(function (error) {
        target.textContent = "Chart unavailable: " + error.message;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSettle", function (event) { render(event.target); });
})();
