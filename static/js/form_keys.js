/* Keys the entry pages share. Ctrl+S (Cmd+S on a Mac) saves through the page's save button,
   as in Excel, instead of opening the browser's "save page as" dialog. */
window.formKeys = {
  saveOnCtrlS: function (form, button) {
    "use strict";
    document.addEventListener("keydown", function (event) {
      // Chrome's autofill sends keydown events without a key.
      var key = (event.key || "").toLowerCase();
      if (!(event.ctrlKey || event.metaKey) || event.altKey || key !== "s") return;
      event.preventDefault();
      if (button && !event.repeat) form.requestSubmit(button);
    });
  },
};

/* A picker (select[data-submit-on-change]) opens what is picked with the mouse at once. Stepped
   through with the keyboard, where Chromium reports each arrow press on a closed select as a
   change, it waits for Enter, or for the focus to leave it, instead of loading a page at every
   step (Q4 to Q2 was two page loads, the focus back at the top of the page after each). */
(function () {
  "use strict";
  function shown(select) {
    var marked = Array.prototype.filter.call(select.options, function (option) {
      return option.defaultSelected;
    });
    return (marked[0] || select.options[0]).value;
  }

  function send(select) {
    if (select.value !== shown(select)) select.form.submit();
  }

  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    var byKeyboard = false;
    select.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        // After the browser has taken the choice made in an opened list.
        window.setTimeout(function () { send(select); }, 0);
      } else if (event.key !== "Tab" && event.key !== "Escape") {
        byKeyboard = true;
      }
    });
    select.addEventListener("mousedown", function () { byKeyboard = false; });
    select.addEventListener("change", function () {
      if (!byKeyboard) send(select);
    });
    select.addEventListener("blur", function () {
      if (byKeyboard) send(select);
      byKeyboard = false;
    });
  });
})();
