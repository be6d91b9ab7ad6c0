// The page of an upload the background worker is checking (or writing): the progress bar
// follows the worker, and the page reloads once it is done.
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  // No progress for a while: the file is queued, and a worker may not be running.
  var lastDone = null, lastChange = Date.now();
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      if (data.done) { window.location.href = data.url; return; }
      // A check counts its rows; a write has no count to show.
      var bar = box.querySelector("progress[max]");
      if (bar) {
        bar.max = data.total_rows; bar.value = data.processed_rows;
        box.querySelector(".done").textContent = data.processed_text;
        if (data.processed_rows !== lastDone) { lastDone = data.processed_rows; lastChange = Date.now(); }
        box.querySelector(".waiting").hidden = Date.now() - lastChange < 10000;
      }
      setTimeout(poll, 1000);
    });
  }
  setTimeout(poll, 1000);
})();
