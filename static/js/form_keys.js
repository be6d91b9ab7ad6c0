/* Keys the entry pages share: Ctrl+S (Cmd+S on a Mac) saves through the page's save button,
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
