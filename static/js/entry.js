/* The entry grid: checks each cell as it is typed (the server checks again on save), keeps
   the count of cells still empty, moves with Enter like a spreadsheet, and posts only the
   cells that changed so that an untouched cell never overwrites someone else's value. */
(function () {
  "use strict";
  var form = document.getElementById("entry-grid");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("td.cell input"));
  var msg = form.dataset;
  var NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

  /* The same folding as cell_decimal on the server: full-width forms, thousands separators
     and spaces. */
  function normalise(text) {
    return text.normalize("NFKC").replace(/[,\s]/g, "");
  }

  function problem(input) {
    var text = normalise(input.value);
    if (text === "") return "";
    if (!NUMBER.test(text)) return msg.msgNumber;
    var value = Number(text);
    var max = Number(input.dataset.max);
    var method = input.dataset.method;
    var places = (text.split(".")[1] || "").length;
    if ((method === "direct" || method === "bonus") && (value < 0 || value > max)) {
      return msg.msgRange.replace("{max}", input.dataset.max.replace(/\.?0+$/, ""));
    }
    if (method === "veto" && value !== 0 && value !== 1) return msg.msgVeto;
    if (method === "deduction" && (value < 0 || !Number.isInteger(value))) return msg.msgCount;
    if (method === "completion" && value < 0) return msg.msgNegative;
    if (places > 4) return msg.msgPlaces;
    return "";
  }

  function check(input) {
    var why = problem(input);
    var cell = input.parentNode;
    var note = cell.querySelector("small.live");
    cell.classList.toggle("bad", why !== "");
    input.setAttribute("aria-invalid", why ? "true" : "false");
    if (why && !note) {
      note = document.createElement("small");
      note.className = "why live";
      cell.appendChild(note);
    }
    if (note) {
      note.textContent = why;
      note.hidden = !why;
    }
    if (why) {
      var server = cell.querySelector("small.why:not(.live)");
      if (server) server.hidden = true;
    }
  }

  /* A count as the page's language writes it, the way Django's intcomma does (the server
     passes its separator and group sizes): "6,224" in English, "6224" in Chinese. */
  var SEPARATOR = msg.thousandSeparator || "";
  var GROUPS = (msg.numberGrouping || "0").split(" ").map(Number);

  function grouped(count) {
    var digits = String(Math.abs(count));
    var sign = count < 0 ? "-" : "";
    if (!SEPARATOR || !GROUPS[0]) return sign + digits;
    var sizes = GROUPS.slice(), size = sizes.shift(), out = "", run = 0;
    for (var i = digits.length - 1; i >= 0; i -= 1) {
      if (run && run === size) {
        if (sizes.length) size = sizes.shift() || size;
        out = SEPARATOR + out;
        run = 0;
      }
      out = digits[i] + out;
      run += 1;
    }
    return sign + out;
  }

  function recount() {
    var missing = 0, invalid = 0;
    inputs.forEach(function (input) {
      if (normalise(input.value) === "") missing += 1;
      if (input.getAttribute("aria-invalid") === "true") invalid += 1;
    });
    document.getElementById("missing-count").textContent = grouped(missing);
    document.getElementById("invalid-count").textContent = grouped(invalid);
    document.getElementById("invalid-note").hidden = invalid === 0;
  }

  /* Enter moves down a row in the same column, Shift+Enter up; it never submits. */
  function neighbour(input, step) {
    var row = input.closest("tr");
    var column = Array.prototype.indexOf.call(row.children, input.closest("td"));
    var target = row;
    for (;;) {
      target = step > 0 ? target.nextElementSibling : target.previousElementSibling;
      if (!target) return null;
      var candidate = target.children[column] && target.children[column].querySelector("input");
      if (candidate && !candidate.disabled) return candidate;
    }
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () { check(input); recount(); });
    input.addEventListener("keydown", function (event) {
      var down = event.key === "Enter" || event.key === "ArrowDown";
      var up = (event.key === "Enter" && event.shiftKey) || event.key === "ArrowUp";
      if (!down && !up) return;
      event.preventDefault();
      var next = neighbour(input, up ? -1 : 1);
      if (next) { next.focus(); next.select(); }
    });
  });

  form.addEventListener("submit", function () {
    inputs.forEach(function (input) {
      var changed = input.value !== input.defaultValue || input.dataset.dirty === "1";
      if (!changed) input.disabled = true;
    });
  });

  recount();
})();
