// Draws each chart from the Vega-Lite spec the server wrote beside it; without JavaScript the tables stand alone.
function clearsightCharts(root) {
  if (typeof vegaEmbed === "undefined") return;
  root.querySelectorAll("div.vega[data-spec]").forEach(function (el) {
    var source = document.getElementById(el.dataset.spec);
    if (!source || el.dataset.drawn) return;
    el.dataset.drawn = "1";
    vegaEmbed(el, JSON.parse(source.textContent), {actions: false, renderer: "svg"});
  });
}
document.addEventListener("DOMContentLoaded", function () { clearsightCharts(document); });
document.addEventListener("htmx:afterSettle", function (e) { clearsightCharts(document); });
