// Draws each dashboard chart from its json_script figure with the locally served plotly.js, and re-submits the
// filter form when a filter changes (the page then redraws with the new figures).
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll(".hr-plot[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false }).then(function () {
        el.dataset.drawn = "true";
      });
    });
  }
  function autosubmit() {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form) { return; }
    form.querySelectorAll("select, input").forEach(function (input) {
      input.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(); autosubmit(); });
  } else {
    draw(); autosubmit();
  }
})();
