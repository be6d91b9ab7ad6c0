// Irreversible actions ask first: a form with data-confirm submits only when the person agrees
// to its message (closing or publishing a cycle, closing nominations, confirming winners).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
