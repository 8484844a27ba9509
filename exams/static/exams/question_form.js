// The question form shows only the answer editor of the chosen type (the others stay in the page, hidden, so a
// change of type keeps what was typed). Without JavaScript every editor is shown.
(function () {
  "use strict";
  var type = document.querySelector("select[name='type']");
  if (!type) return;
  function panelOf(node) {
    return node.closest("section") || node;
  }
  var jsonBox = document.querySelector("textarea[name='content']");
  function jsonInUse() {
    var text = jsonBox ? jsonBox.value.trim() : "";
    return text !== "" && text !== "{}";
  }
  function show() {
    var chosen = "question-editor--" + type.value;
    var hasEditor = Boolean(type.value) && document.querySelector(".question-editor." + chosen) !== null;
    document.querySelectorAll(".question-editor").forEach(function (editor) {
      var json = editor.classList.contains("question-editor--json");
      // The JSON box only where no editor fits: a type without one, or a stored answer the rows cannot hold.
      panelOf(editor).hidden = json ? hasEditor && !jsonInUse() : !editor.classList.contains(chosen);
    });
  }
  type.addEventListener("change", show);
  show();
})();
