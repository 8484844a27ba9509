// Several rows chosen through a Wagtail chooser modal (cms.admin_views.choosers.MultipleChooserWidget): "add" opens
// the modal in its tick-several mode; each chosen row becomes a hidden input with a remove button.
(function () {
  "use strict";
  function setUp(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var list = box.querySelector("[data-chosen]");
    var empty = box.querySelector("[data-empty]");
    var template = box.querySelector("[data-item-template]");
    function refresh() {
      empty.hidden = list.children.length > 0;
    }
    function has(id) {
      return Array.prototype.some.call(list.querySelectorAll("input"), function (input) {
        return input.value === String(id);
      });
    }
    function add(item) {
      if (has(item.id)) return;
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelector("input").value = item.id;
      row.querySelector("span").textContent = item.title;
      list.appendChild(row);
    }
    box.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove]");
      if (remove) {
        remove.closest("li").remove();
        refresh();
        return;
      }
      if (!event.target.closest("[data-add]")) return;
      window.ModalWorkflow({
        url: box.dataset.chooserUrl,
        urlParams: { multiple: 1 },
        onload: window.CHOOSER_MODAL_ONLOAD_HANDLERS,
        responses: {
          chosen: function (result) {
            (Array.isArray(result) ? result : [result]).forEach(add);
            refresh();
          },
        },
      });
    });
  }
  function setUpAll() {
    document.querySelectorAll("[data-cms-multichooser]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
