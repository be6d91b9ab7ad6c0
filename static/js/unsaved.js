/* Forms marked data-warn-unsaved ask before the page is left with changes in them not yet sent:
   a link, a picker that sends its page as soon as it changes, the language button, a reload,
   closing the tab. Sending the form itself never asks. What the server sent back unsaved (a
   refused cell, a form with errors) carries data-dirty="1": it shows what was typed, so it
   looks unchanged, yet it is not saved. The entry grid asks the same through
   window.unsavedChanges.fieldUnsaved. */
(function () {
  "use strict";
  var WARNED = "form[data-warn-unsaved]";
  var sending = null;

  function selectChanged(select) {
    var options = Array.prototype.slice.call(select.options);
    var marked = options.some(function (option) { return option.defaultSelected; });
    return options.some(function (option, index) {
      // A single select with no option marked selected shows its first one.
      var shown = option.defaultSelected || (!marked && !select.multiple && index === 0);
      return option.selected !== shown;
    });
  }

  function fieldUnsaved(field) {
    if (field.dataset && field.dataset.dirty === "1") return true;
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") return selectChanged(field);
    return "defaultValue" in field && field.value !== field.defaultValue;
  }

  function formUnsaved(form) {
    return form.dataset.dirty === "1" || form.querySelector('[data-dirty="1"]') !== null ||
      Array.prototype.some.call(form.elements, fieldUnsaved);
  }

  function pageUnsaved() {
    return Array.prototype.some.call(document.querySelectorAll(WARNED), function (form) {
      return form !== sending && formUnsaved(form);
    });
  }

  /* A picker sends its page when it changes; when the person then chooses to stay, it must
     show again what the page shows, not the period or unit they did not go to. */
  function pickersRestore() {
    document.querySelectorAll("form[method=get] select").forEach(function (select) {
      if (!selectChanged(select)) return;
      Array.prototype.forEach.call(select.options, function (option) {
        option.selected = option.defaultSelected;
      });
    });
  }

  // On window, so that it runs after confirm.js, which may cancel the submit on document.
  window.addEventListener("submit", function (event) {
    if (!event.defaultPrevented && event.target.matches(WARNED)) sending = event.target;
  });

  window.addEventListener("beforeunload", function (event) {
    if (!pageUnsaved()) return;
    event.preventDefault();
    event.returnValue = "";
    // Runs once the dialog is answered; harmless when the page is left.
    window.setTimeout(pickersRestore, 0);
  });

  // Back to a page kept in the browser's cache after it was sent: it is not being sent now.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) sending = null;
  });

  window.unsavedChanges = { fieldUnsaved: fieldUnsaved };
})();
