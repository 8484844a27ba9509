// Site-wide behaviour without inline handlers (the Content-Security-Policy forbids them): print buttons
// (data-print), buttons that ask before a final step (data-confirm), selects that submit their form when changed
// (data-autosubmit), and the tab bar's off-screen cue.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    /* a final step (e.g. 签字确认) asks first: data-confirm="the question" */
    var final = event.target.closest && event.target.closest("[data-confirm]");
    if (final && !window.confirm(final.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  /* the tab bar scrolls sideways on a phone: bring the active tab into view and show a cue while more tabs are
     off-screen to the right */
  function navCue() {
    var nav = document.querySelector("nav.mainnav"), list = nav && nav.querySelector("ul");
    if (!list) return;
    var update = function () {
      var more = list.scrollLeft + list.clientWidth < list.scrollWidth - 4;
      if (more) { nav.dataset.more = "right"; } else { delete nav.dataset.more; }
    };
    var active = list.querySelector("a.active");
    if (active && active.offsetLeft + active.offsetWidth > list.clientWidth) {
      list.scrollLeft = active.offsetLeft - list.clientWidth / 3;
    }
    list.addEventListener("scroll", update, {passive: true});
    window.addEventListener("resize", update);
    update();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", navCue); } else { navCue(); }
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
    }
  });
})();
