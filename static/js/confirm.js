// Irreversible actions ask first: a form with data-confirm submits only when the person agrees
// to its message (closing or publishing a cycle, closing nominations, confirming winners).
// A required field holding only spaces is as empty as a blank one, which the browser refuses
// before this runs; the server would refuse it after the question: it is emptied and shown
// with the browser's own message, and nothing is asked.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var blank = Array.prototype.filter.call(form.querySelectorAll("[required]"), function (field) {
    return typeof field.value === "string" && field.value !== "" && field.value.trim() === "";
  });
  if (blank.length) {
    event.preventDefault();
    blank.forEach(function (field) { field.value = ""; });
    form.reportValidity();
    return;
  }
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
