// Draws each dashboard chart from its json_script figure with the locally served plotly.js, and re-submits the
// filter form when a filter changes (the page then redraws with the new figures). Charts on screen are drawn
// first, the rest one at a time afterwards, so the page answers scrolling while nine charts are laid out.
(function () {
  "use strict";
  // On a narrow screen plotly's mode bar (toolbar) sits over the legend and the heatmap's top rows: no mode bar
  // there; elsewhere it shows only while the pointer is over the chart.
  var NARROW = "(max-width: 600px)";
  function config() {
    var narrow = window.matchMedia && window.matchMedia(NARROW).matches;
    return {
      responsive: true,
      displaylogo: false,
      displayModeBar: narrow ? false : "hover",
      modeBarButtonsToRemove: ["select2d", "lasso2d"]
    };
  }
  function drawOne(el) {
    if (el.dataset.drawn || el.dataset.drawing) { return Promise.resolve(); }
    var source = document.getElementById(el.dataset.figure);
    if (!source) { return Promise.resolve(); }
    el.dataset.drawing = "true";
    var fig = JSON.parse(source.textContent);
    return window.Plotly.newPlot(el, fig.data, fig.layout, config()).then(function () {
      el.dataset.drawn = "true";
    });
  }
  function onScreen(el) {
    var r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < (window.innerHeight || document.documentElement.clientHeight);
  }
  function draw() {
    if (!window.Plotly) { return; }
    var plots = Array.prototype.slice.call(document.querySelectorAll(".hr-plot[data-figure]"));
    var first = plots.filter(onScreen);
    var rest = plots.filter(function (el) { return first.indexOf(el) < 0; });
    Promise.all(first.map(drawOne)).then(function next() {
      var el = rest.shift();
      if (!el) { return; }
      setTimeout(function () { drawOne(el).then(next); }, 0);
    });
  }
  function autosubmit() {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form) { return; }
    form.querySelectorAll("select, input").forEach(function (input) {
      input.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
  }
  // Deferred scripts run after the document is parsed, in order: plotly.js is there by now.
  draw();
  autosubmit();
})();
