/* The exam page: one question per screen, autosave with sequence numbers, the server's clock, tab-switch count.
   "Saved" is shown only after the server acknowledged every pending answer. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("exam-config");
  var form = document.getElementById("attempt-form");
  if (!cfgEl || !form) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var S = cfg.strings;
  document.body.classList.add("js");

  var sections = Array.prototype.slice.call(form.querySelectorAll("section.question"));
  var total = sections.length;
  var current = cfg.current || 1;
  var seq = {};        // position -> last seq we sent (or the server's)
  var pending = {};    // position -> true while an unacknowledged change exists
  var inflight = {};   // position -> true while a request is out
  var timers = {};
  var closed = false;
  var statusEl = document.getElementById("save-status");
  var timerEl = document.getElementById("timer");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  sections.forEach(function (s) { seq[s.dataset.position] = parseInt(s.dataset.seq || "0", 10); });

  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = "save-status" + (cls ? " " + cls : "");
  }
  function anyPending() { return Object.keys(pending).some(function (k) { return pending[k]; }); }

  // --- navigation and the question map ---
  function show(n) {
    current = Math.min(Math.max(n, 1), total);
    sections.forEach(function (s) { s.classList.toggle("current", parseInt(s.dataset.position, 10) === current); });
    document.querySelectorAll("#q-map a").forEach(function (a) {
      a.classList.toggle("current", parseInt(a.dataset.goto, 10) === current);
    });
    document.getElementById("current-q").value = current;
    if (window.history && history.replaceState) history.replaceState(null, "", "?q=" + current);
    window.scrollTo(0, 0);
  }
  document.getElementById("prev-q").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next-q").addEventListener("click", function () { show(current + 1); });
  document.getElementById("q-map").addEventListener("click", function (e) {
    var a = e.target.closest("a[data-goto]");
    if (!a) return;
    e.preventDefault();
    show(parseInt(a.dataset.goto, 10));
  });

  // --- reading and writing a question's inputs ---
  function collect(section) {
    var pos = section.dataset.position, type = section.dataset.type, name = "q" + pos;
    var q = function (sel) { return Array.prototype.slice.call(section.querySelectorAll(sel)); };
    if (type === "multiple_choice") return q("input[name='" + name + "']:checked").map(function (i) { return parseInt(i.value, 10); });
    if (type === "single_choice") { var c = q("input[name='" + name + "']:checked")[0]; return c ? parseInt(c.value, 10) : null; }
    if (type === "true_false") { var t = q("input[name='" + name + "']:checked")[0]; return t ? t.value === "true" : null; }
    if (type === "short_answer") return q("input[name^='" + name + "_']").map(function (i) { return i.value; });
    if (type === "matching") {
      var out = {};
      q("select[name^='" + name + "_']").forEach(function (s) { if (s.value !== "") out[s.name.slice(name.length + 1)] = parseInt(s.value, 10); });
      return out;
    }
    var el = section.querySelector("[name='" + name + "']");
    return el ? el.value : null;
  }
  function apply(section, answer) {
    var pos = section.dataset.position, type = section.dataset.type, name = "q" + pos;
    var inputs = section.querySelectorAll("[name^='" + name + "']");
    inputs.forEach(function (el) {
      if (type === "multiple_choice") el.checked = Array.isArray(answer) && answer.indexOf(parseInt(el.value, 10)) >= 0;
      else if (type === "single_choice") el.checked = answer !== null && parseInt(el.value, 10) === answer;
      else if (type === "true_false") el.checked = answer !== null && (el.value === "true") === answer;
      else if (type === "short_answer") { var i = parseInt(el.name.split("_")[1], 10); el.value = (answer && answer[i]) || ""; }
      else if (type === "matching") { var k = el.name.slice(name.length + 1); el.value = answer && answer[k] !== undefined && answer[k] !== null ? answer[k] : ""; }
      else el.value = answer || "";
    });
  }
  function isAnswered(a) {
    if (a === null || a === undefined) return false;
    if (Array.isArray(a)) return a.some(function (x) { return x !== "" && x !== null; });
    if (typeof a === "object") return Object.keys(a).length > 0;
    if (typeof a === "string") return a.trim() !== "";
    return true;
  }
  function markMap(section) {
    var a = document.querySelector("#q-map a[data-goto='" + section.dataset.position + "']");
    if (!a) return;
    a.classList.toggle("answered", isAnswered(collect(section)));
    a.classList.toggle("flagged", section.querySelector("[data-flag]").checked);
  }

  // --- autosave ---
  function save(section) {
    var pos = section.dataset.position;
    if (closed) return;
    if (inflight[pos]) { pending[pos] = true; return; }  // sent again when the current request returns
    seq[pos] += 1;
    var mySeq = seq[pos];
    pending[pos] = true; inflight[pos] = true;
    setStatus(S.saving);
    fetch(cfg.saveUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({position: parseInt(pos, 10), seq: mySeq, answer: collect(section),
                            flagged: section.querySelector("[data-flag]").checked})
    }).then(function (r) {
      if (BUSY.indexOf(r.status) >= 0) throw busyError(r);
      return r.json().then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      inflight[pos] = false;
      if (res.status === 200) {
        if (seq[pos] === mySeq) pending[pos] = false;
      } else if (res.status === 409) {
        // Another tab or device saved a newer answer: show it and continue from its sequence number.
        seq[pos] = Math.max(seq[pos], res.body.seq);
        if (seq[pos] === res.body.seq) { apply(section, res.body.answer); pending[pos] = false; markMap(section); setStatus(S.stale, "err"); return; }
      } else if (res.status === 410) {
        closed = true; pending = {}; setStatus(S.closed, "err");
        window.location.href = cfg.resultUrl; return;
      } else {
        throw new Error("save failed");
      }
      if (pending[pos]) save(section);
      else if (!anyPending()) setStatus(S.saved, "ok");
    }).catch(function (err) {
      inflight[pos] = false; seq[pos] = Math.max(seq[pos], mySeq);
      // A busy server (the proxy's quick 503) never saw the answer: nothing to compare, so no ?saved=1 then.
      if (!(err && err.busy)) needSaved = true;
      setStatus(err && err.busy ? S.busy : S.offline, "err");
      clearTimeout(timers["retry" + pos]);
      timers["retry" + pos] = setTimeout(function () { save(section); }, retryDelay(err));
    });
  }
  // Overload answers 503 with Retry-After (deploy/nginx/anjian.conf); the answer stays on the page and is sent again
  // after that many seconds, spread by a random extra so that a room of phones does not return all at once.
  var BUSY = [429, 502, 503, 504];
  function busyError(r) {
    var err = new Error("busy"); err.busy = true;
    err.retryAfter = parseInt(r.headers.get("Retry-After") || "", 10);
    return err;
  }
  function retryDelay(err) {
    var base = err && err.busy && err.retryAfter > 0 ? Math.min(err.retryAfter, 60) * 1000 : 3000;
    return base + Math.floor(Math.random() * base / 2);
  }
  sections.forEach(function (section) {
    section.addEventListener("change", function () { markMap(section); save(section); });
    section.addEventListener("input", function (e) {
      if (e.target.tagName !== "INPUT" && e.target.tagName !== "TEXTAREA") return;
      if (e.target.type === "radio" || e.target.type === "checkbox") return;
      pending[section.dataset.position] = true; setStatus(S.unsaved);
      clearTimeout(timers[section.dataset.position]);
      timers[section.dataset.position] = setTimeout(function () { markMap(section); save(section); }, 700);
    });
  });
  window.addEventListener("beforeunload", function (e) {
    if (anyPending() && !closed) { e.preventDefault(); e.returnValue = S.leave; return S.leave; }
  });

  // --- the server's clock ---
  var endsAt = performance.now() + cfg.remaining * 1000;
  function fmt(sec) {
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    return (h ? h + ":" : "") + (m < 10 && h ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function tick() {
    var left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
    timerEl.textContent = fmt(left);
    timerEl.classList.toggle("low", left <= 300);
    if (left <= 0 && !closed) finish();
  }
  // The minute poll carries only the clock and status. The saved answers are asked for (?saved=1) only after a
  // save failed or the connection came back, to show what the server holds where this page has nothing newer.
  var needSaved = false;
  function applySaved(saved) {
    sections.forEach(function (section) {
      var pos = section.dataset.position, st = saved[pos];
      if (!st || pending[pos] || inflight[pos] || st.seq <= seq[pos]) return;
      seq[pos] = st.seq; apply(section, st.answer);
      section.querySelector("[data-flag]").checked = !!st.flagged;
      markMap(section);
    });
  }
  function resync() {
    var withSaved = needSaved;
    fetch(cfg.stateUrl + (withSaved ? "?saved=1" : ""), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (r.status === 503) throw new Error("busy"); return r.json(); })
      .then(function (st) {
        if (st.status !== "in_progress") { closed = true; pending = {}; window.location.href = st.result_url; return; }
        endsAt = performance.now() + st.remaining_seconds * 1000;
        if (withSaved && st.saved) { needSaved = false; applySaved(st.saved); }
        tick();
      }).catch(function () {});
  }
  setInterval(tick, 1000);
  setInterval(resync, 60000);
  window.addEventListener("online", function () { needSaved = true; resync(); });
  tick();

  // Leaving the page is counted for the marker (phones background tabs for many innocent reasons).
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      var body = new FormData(); body.append("csrfmiddlewaretoken", csrf);
      if (navigator.sendBeacon) navigator.sendBeacon(cfg.blurUrl, body);
    } else {
      needSaved = true;  // another tab or device may have saved while this one was away
      resync();
    }
  });

  function submitNow() {
    closed = true;
    var body = new FormData(); body.append("csrfmiddlewaretoken", csrf);
    return fetch(cfg.submitUrl, {method: "POST", credentials: "same-origin", body: body,
      headers: {"Accept": "application/json"}})
      .then(function () { window.location.href = cfg.resultUrl; })
      .catch(function () { window.location.href = cfg.resultUrl; });
  }
  function flushThen(fn) {
    sections.forEach(function (s) { if (pending[s.dataset.position] && !inflight[s.dataset.position]) save(s); });
    var waited = 0;
    (function wait() {
      if (!anyPending() || waited > 10000) return fn();
      waited += 200; setTimeout(wait, 200);
    })();
  }
  function finish() { flushThen(submitNow); }

  document.getElementById("submit-btn").addEventListener("click", function (e) {
    e.preventDefault();
    var unanswered = sections.filter(function (s) { return !isAnswered(collect(s)); }).length;
    var msg = S.confirm_submit + (unanswered ? "\n" + S.unanswered.replace("%(n)s", unanswered) : "");
    if (!window.confirm(msg)) return;
    flushThen(submitNow);
  });

  sections.forEach(markMap);
  show(current);
  if (anyPending()) setStatus(S.unsaved);
})();
