/* Runs exams/static/exams/attempt.js in node with a minimal stand-in for the page (one single-choice question) and
   a server that answers the first save with the proxy's 503 + Retry-After, then 200. Prints what happened as JSON.
   Used by tests/exams/test_attempt_js.py. */
"use strict";
const fs = require("fs");
const script = fs.readFileSync(process.argv[2], "utf8");
const retryAfter = process.argv[3] || "5";
const firstStatus = parseInt(process.argv[4] || "503", 10);

function el(extra) {
  const listeners = {};
  return Object.assign({
    listeners, dataset: {}, textContent: "", className: "", value: "",
    classList: {add() {}, toggle() {}},
    addEventListener(type, fn) { (listeners[type] = listeners[type] || []).push(fn); },
    querySelectorAll() { return []; }, querySelector() { return null; },
  }, extra);
}
const config = {saveUrl: "/save/", stateUrl: "/state/", blurUrl: "/blur/", resultUrl: "/result/", submitUrl: "/submit/",
  remaining: 3600, current: 1, strings: {saved: "SAVED", saving: "SAVING", unsaved: "UNSAVED", offline: "OFFLINE",
  busy: "BUSY", closed: "CLOSED", stale: "STALE", leave: "LEAVE", confirm_submit: "SUBMIT?", unanswered: "%(n)s"}};
const radios = [0, 1, 2].map((i) => ({name: "q1", value: String(i), checked: i === 1, type: "radio"}));
const flag = {checked: false};
const section = el({dataset: {position: "1", type: "single_choice", seq: "0"},
  querySelectorAll(sel) {
    if (sel.endsWith(":checked")) return radios.filter((r) => r.checked);
    return radios;
  },
  querySelector(sel) { return sel === "[data-flag]" ? flag : null; }});
const form = el({querySelectorAll: () => [section], querySelector: () => ({value: "csrf-token"})});
const status = el();
const statuses = [];
Object.defineProperty(status, "textContent", {set(v) { statuses.push(v); }, get() { return statuses[statuses.length - 1]; }});
const byId = {"exam-config": el({textContent: JSON.stringify(config)}), "attempt-form": form, "save-status": status,
  "timer": el(), "current-q": el(), "prev-q": el(), "next-q": el(), "q-map": el(), "submit-btn": el()};
global.document = {getElementById: (id) => byId[id] || null, body: el(), addEventListener() {},
  querySelectorAll: () => [], querySelector: () => null, visibilityState: "visible"};
global.window = {addEventListener() {}, scrollTo() {}, location: {href: ""}};
global.history = {replaceState() {}};
global.navigator = {};
global.performance = {now: () => Date.now()};
global.setInterval = () => 0;
const delays = [];
const realTimeout = setTimeout;
global.setTimeout = (fn, ms) => { delays.push(ms); return realTimeout(fn, 1); };
global.clearTimeout = () => {};
const requests = [];
global.fetch = (url, opts) => {
  requests.push({url, body: opts && opts.body ? JSON.parse(opts.body) : null});
  if (requests.length === 1) {
    return Promise.resolve({status: firstStatus, headers: {get: (h) => (h === "Retry-After" ? retryAfter : null)},
      json: () => Promise.reject(new SyntaxError("not JSON: busy, retry shortly"))});
  }
  const body = JSON.parse(opts.body);
  return Promise.resolve({status: 200, headers: {get: () => null},
    json: () => Promise.resolve({ok: true, position: 1, seq: body.seq, answer: body.answer})});
};
eval(script);  // the page's own code, unchanged
section.listeners.change[0]({target: radios[1]});
realTimeout(() => {
  console.log(JSON.stringify({requests, statuses, delays}));
}, 200);
