/* Staggered start: when the exam sets start_stagger_seconds, pressing "start" waits a random delay of up to that many
   seconds before the start is sent, so a room that presses at the same moment reaches the server spread out. The
   time limit runs from the real start, so the wait costs the examinee nothing. Without JavaScript it starts at once. */
(function () {
  "use strict";
  var form = document.getElementById("start-form");
  if (!form || !form.dataset.stagger) return;
  var max = parseInt(form.dataset.stagger, 10) || 0;
  var waitEl = document.getElementById("start-wait");
  var started = false;
  form.addEventListener("submit", function (e) {
    if (started || max <= 0) return;
    e.preventDefault();
    started = true;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    var end = Date.now() + Math.floor(Math.random() * max * 1000);
    (function tick() {
      var left = Math.ceil((end - Date.now()) / 1000);
      if (left <= 0) { form.submit(); return; }
      if (waitEl) waitEl.textContent = form.dataset.waiting.replace("%(s)s", left);
      setTimeout(tick, 250);
    })();
  });
})();
