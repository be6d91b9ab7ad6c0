/* The votes page: Enter moves to the next count, as Tab does (across a rater group's row,
   then to the next group's), and Shift+Enter back; after the last count it reaches the save
   button. It never submits the form by itself: a count typed into the first row and Enter
   saved the whole page half filled. Ctrl+S saves (form_keys.js). */
(function () {
  "use strict";
  var form = document.getElementById("votes-form");
  if (!form) return;
  var save = document.getElementById("save");
  var fields = Array.prototype.slice.call(form.querySelectorAll("td input:not([type=hidden])"))
    .filter(function (input) { return !input.disabled; });
  var stops = save ? fields.concat([save]) : fields;

  fields.forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault();
      var next = stops[stops.indexOf(input) + (event.shiftKey ? -1 : 1)];
      if (!next) return;
      next.focus();
      if (next.select) next.select();
    });
  });

  window.formKeys.saveOnCtrlS(form, save);
})();
