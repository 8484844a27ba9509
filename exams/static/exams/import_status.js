// Reloads the question-import status page every few seconds while the job is queued or running.
(function () {
  "use strict";
  var script = document.currentScript;
  var seconds = Number((script && script.dataset.reloadSeconds) || 3);
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
