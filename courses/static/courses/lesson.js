/* Lesson page: reading-time heartbeat (only while visible, reporting interaction), resume position,
   end-of-lesson detection, and knowledge checks graded one question at a time by the server. */
(function () {
  "use strict";
  var el = document.getElementById("lesson-config");
  if (!el) return;
  var cfg = JSON.parse(el.textContent);
  var interacted = false, resumed = false, reachedEnd = false, timer = null, maxPos = cfg.position || 0;

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": cfg.csrf},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (d) { d._status = r.status; return d; }); });
  }
  function position() {
    var doc = document.documentElement, max = doc.scrollHeight - window.innerHeight;
    return max > 0 ? Math.min(1, Math.max(0, window.scrollY / max)) : 1;
  }
  function setState(done) {
    var s = document.getElementById("lesson-state");
    if (s) s.innerHTML = done ? '<span class="badge ok" id="lesson-completed">' + cfg.text.completed + "</span>"
                              : '<span class="badge">' + cfg.text.inProgress + "</span>";
  }
  function setClock(spent, required, done) {
    var box = document.getElementById("lesson-clock"), text = document.getElementById("lesson-clock-text");
    if (!box || typeof spent !== "number") return;
    if (done) { box.hidden = true; return; }
    text.textContent = cfg.text.clock.replace("%(spent)s", Math.floor(spent / 60)).replace("%(required)s", Math.ceil(required / 60));
  }
  function setCourse(percent) {
    var bar = document.querySelector("#course-progress > span");
    if (bar && typeof percent === "number") { bar.style.width = percent + "%"; bar.parentNode.dataset.percent = percent; }
    var label = document.getElementById("course-progress-text");
    if (label && typeof percent === "number") label.textContent = percent + "%";
  }
  function anchor() {
    /* the last heading scrolled past: the course page's resume link jumps back to it */
    var last = "";
    document.querySelectorAll("#lesson-body h2[id]").forEach(function (h) {
      if (h.getBoundingClientRect().top < 80) last = h.id;
    });
    return last;
  }
  function beat() {
    if (!cfg.tracking || document.visibilityState !== "visible") return;
    var body = {position: maxPos, anchor: anchor(), interacted: interacted, reached_end: reachedEnd, resumed: resumed};
    interacted = false; resumed = false;
    post(cfg.heartbeatUrl, body).then(function (d) {
      if (d._status !== 200) { stop(); return; }
      if (d.completed) { cfg.completed = true; setState(true); }
      setClock(d.seconds_spent, d.required_seconds, d.completed);
      setCourse(d.course_percent);
    }).catch(function () {});
  }
  function start() { if (!timer && cfg.tracking) timer = window.setInterval(beat, cfg.interval); }
  function stop() { if (timer) { window.clearInterval(timer); timer = null; } }

  ["scroll", "touchstart", "keydown", "pointerdown", "wheel"].forEach(function (t) {
    window.addEventListener(t, function () { interacted = true; maxPos = Math.max(maxPos, position()); }, {passive: true});
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { resumed = true; interacted = true; beat(); start(); }
    else { stop(); }
  });
  var end = document.getElementById("lesson-end");
  if (end && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting && !reachedEnd) { reachedEnd = true; interacted = true; beat(); } });
    }).observe(end);
  }
  if (cfg.position > 0.02 && !location.hash) {
    window.addEventListener("load", function () {
      var doc = document.documentElement;
      window.scrollTo(0, cfg.position * (doc.scrollHeight - window.innerHeight));
    });
  }
  if (document.visibilityState === "visible") start();

  /* knowledge checks */
  function answerOf(form) {
    var type = form.dataset.type;
    if (type === "multiple_choice") {
      return Array.prototype.map.call(form.querySelectorAll("input[name=a]:checked"), function (i) { return i.value; });
    }
    if (type === "matching") {
      var out = {};
      form.querySelectorAll("select[data-key]").forEach(function (s) { if (s.value !== "") out[s.dataset.key] = s.value; });
      return out;
    }
    var picked = form.querySelector("input[name=a]:checked") || form.querySelector("input[name=a][type=text]");
    return picked ? picked.value : null;
  }
  document.querySelectorAll("form.kc-question").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var box = form.querySelector(".kc-feedback");
      var block = form.closest(".knowledge-check").dataset.block;
      post(cfg.checkUrl, {block: block, question: Number(form.dataset.question), answer: answerOf(form)}).then(function (d) {
        if (d._status !== 200) { box.textContent = d.error || cfg.text.error; return; }
        form.classList.toggle("kc-right", d.correct);
        form.classList.toggle("kc-wrong", !d.correct);
        box.innerHTML = "";
        var head = document.createElement("p"), strong = document.createElement("strong");
        strong.textContent = d.correct ? cfg.text.right : cfg.text.wrong;
        head.appendChild(strong);
        if (!d.correct && !d.settled && d.tries_left > 0) head.appendChild(document.createTextNode(" " + cfg.text.triesLeft.replace("%(n)s", d.tries_left)));
        if (!d.correct && d.settled) head.appendChild(document.createTextNode(" " + cfg.text.noTries));
        box.appendChild(head);
        /* the answer and explanation arrive only once the question is settled (right, or out of tries) */
        if (d.settled) { var fs = form.querySelector("fieldset"); if (fs) fs.disabled = true; }
        if (!d.correct && d.right_answer) { var p = document.createElement("p"); p.textContent = cfg.text.rightAnswer + " " + d.right_answer; box.appendChild(p); }
        if (d.explanation) { var e = document.createElement("p"); e.className = "muted"; e.textContent = d.explanation; box.appendChild(e); }
        if (d.legal_basis) { var l = document.createElement("p"); l.className = "muted"; l.textContent = cfg.text.legalBasis + " " + d.legal_basis; box.appendChild(l); }
        if (d.check_passed) { var pending = document.getElementById("lesson-check-pending"); if (pending) pending.hidden = true; }
        if (d.lesson_completed) { cfg.completed = true; setState(true); setClock(0, 0, true); beat(); }
      }).catch(function () { box.textContent = cfg.text.error; });
    });
  });
})();
