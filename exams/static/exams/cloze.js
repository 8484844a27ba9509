// Cloze questions: the parts' inputs (named "cloze-…") are written into the question's one hidden field as a JSON
// list, before the attempt page's own listeners read that field (capture phase). Loaded once per page.
(function () {
  "use strict";
  if (window.__clozeReady) return;
  window.__clozeReady = true;
  function sync(hidden) {
    var box = hidden.parentNode, n = parseInt(hidden.dataset.parts, 10), out = [];
    for (var i = 0; i < n; i++) {
      var name = "cloze-" + hidden.name + "-" + i;
      var els = box.querySelectorAll("[name='" + name + "']");
      if (!els.length) { out.push(null); continue; }
      var kind = els[0].dataset.kind;
      if (kind === "multiple") {
        out.push(Array.prototype.filter.call(els, function (e) { return e.checked; })
          .map(function (e) { return parseInt(e.value, 10); }));
      } else if (kind === "single") {
        out.push(els[0].value === "" ? null : parseInt(els[0].value, 10));
      } else {
        out.push(els[0].value);
      }
    }
    hidden.value = JSON.stringify(out);
  }
  function onEdit(e) {
    var el = e.target;
    if (!el.classList || !el.classList.contains("cloze-part")) return;
    var box = el.closest(".stem");
    var hidden = box && box.querySelector("input.cloze-answer");
    if (hidden) sync(hidden);
  }
  document.addEventListener("input", onEdit, true);
  document.addEventListener("change", onEdit, true);
})();
