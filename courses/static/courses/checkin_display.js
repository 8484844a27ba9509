/* The organizer's check-in display (admin attendance page): the code and its QR rotate every step on the server
   (TrainingDay.checkin_code), so this asks for the current one when the step ends and swaps both in. While the
   server cannot be reached the old code is struck through rather than left looking valid. No inline script:
   the site's Content-Security-Policy forbids it. */
(function () {
  "use strict";
  var box = document.getElementById("checkin-display");
  if (!box || !window.fetch) return;
  var code = document.getElementById("checkin-code");
  var qr = document.getElementById("checkin-qr");
  var timer = null;

  function stale(on) {
    [code, qr].forEach(function (el) { if (el) el.classList.toggle("is-stale", on); });
  }
  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, Math.max(1, seconds) * 1000);
  }
  function refresh() {
    fetch(box.dataset.url, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (d) {
        if (code) code.textContent = d.code;
        if (qr) qr.src = d.qr;
        stale(false);
        schedule(d.expires_in + 1);
      })
      .catch(function () { stale(true); schedule(10); });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  schedule(Number(box.dataset.expiresIn || 0) + 1);
})();
