// The question form shows only the answer editor of the chosen type (the others stay in the page, hidden, so a
// change of type keeps what was typed). Without JavaScript every editor is shown.
(function () {
  "use strict";
  var type = document.querySelector("select[name='type']");
  if (!type) return;
  function panelOf(node) {
    return node.closest("section") || node;
  }
  function show() {
    var chosen = "question-editor--" + type.value;
    document.querySelectorAll(".question-editor").forEach(function (editor) {
      var json = editor.classList.contains("question-editor--json");
      panelOf(editor).hidden = !(json || editor.classList.contains(chosen));
    });
  }
  type.addEventListener("change", show);
  show();
})();
