// The evidence form on a phone: photos are made smaller before they are sent (a 12-megapixel photo becomes a
// ~2048 px JPEG of a few hundred KB), and the caps on files (count, each, in all) are checked at once, so the
// trainee learns of a problem before a long upload, not after. The server checks and re-encodes everything
// again: this only saves the wait and the data.
(function () {
  "use strict";
  var MAX_SIDE = 2048;
  var SHRINKABLE = /^image\/(jpeg|png|webp)$/;

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function shrink(file) {
    if (!SHRINKABLE.test(file.type) || !window.createImageBitmap || file.size < 300 * 1024) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" })
      .then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) {
          canvas.toBlob(
            function (blob) {
              if (!blob || blob.size >= file.size) return resolve(file);
              var name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
              resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
            },
            "image/jpeg",
            0.85
          );
        });
      })
      .catch(function () {
        return file; // the browser cannot decode it (e.g. HEIC): the server converts it
      });
  }

  function setUp(form) {
    var input = form.querySelector("input[type=file]");
    var problem = form.querySelector("[data-file-problem]");
    var summary = form.querySelector("[data-file-summary]");
    var submit = form.querySelector("button[type=submit]");
    var text = form.dataset;
    var maxFiles = parseInt(text.maxFiles, 10);
    var maxFile = parseInt(text.maxFileBytes, 10);
    var maxTotal = parseInt(text.maxTotalBytes, 10);
    var busy = false;

    function check(files) {
      var total = 0;
      for (var i = 0; i < files.length; i++) {
        if (files[i].size > maxFile) {
          return form.dataset.msgTooBig
            .replace("%(name)s", files[i].name)
            .replace("%(max)s", megabytes(maxFile));
        }
        total += files[i].size;
      }
      if (files.length > maxFiles) return form.dataset.msgTooMany.replace("%(max)s", maxFiles);
      if (total > maxTotal) return form.dataset.msgTooMuch.replace("%(max)s", megabytes(maxTotal));
      return "";
    }

    function show(message, files) {
      problem.textContent = message;
      problem.hidden = !message;
      submit.disabled = Boolean(message) || busy;
      var total = 0;
      for (var i = 0; i < files.length; i++) total += files[i].size;
      summary.textContent = files.length ? form.dataset.msgReady.replace("%(n)s", files.length).replace("%(size)s", megabytes(total)) : "";
    }

    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files);
      busy = true;
      submit.disabled = true;
      summary.textContent = form.dataset.msgShrinking;
      Promise.all(chosen.map(shrink)).then(function (files) {
        busy = false;
        if (window.DataTransfer) {
          var transfer = new DataTransfer();
          files.forEach(function (f) {
            transfer.items.add(f);
          });
          input.files = transfer.files;
        }
        show(check(input.files), input.files);
      });
    });
    form.addEventListener("submit", function (event) {
      var message = check(input.files);
      if (message || busy) {
        event.preventDefault();
        show(message, input.files);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-evidence-form]").forEach(setUp);
  });
})();
