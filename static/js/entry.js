/* The entry grid: checks each cell as it is typed (the server checks again on save), keeps
   the count of cells still empty, moves with Enter like a spreadsheet, takes a block pasted
   from Excel, warns before leaving with unsaved cells, and posts only the cells that changed
   so that an untouched cell never overwrites someone else's value. */
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

  /* Pasting a block copied from Excel (cells split by tabs, rows by line breaks) fills the
     grid from the cell pasted into, rightwards and downwards, as a spreadsheet does. When the
     block's first column names units of the grid (by name or code), each row goes to its own
     unit whatever the order of the clerk's sheet, and rows naming no unit (titles, headers)
     are left out. A blank in the block leaves its cell as it is, as a blank save would. */
  var rows = Array.prototype.slice.call(form.querySelectorAll("tbody tr"));
  var rowOfUnit = {};

  function unitKey(text) {
    return (text || "").normalize("NFKC").replace(/\s+/g, "").toUpperCase();
  }

  rows.forEach(function (row) {
    rowOfUnit[unitKey(row.dataset.unitName)] = row;
    rowOfUnit[unitKey(row.dataset.unitCode)] = row;
  });

  function blockRead(text) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    return lines.map(function (line) { return line.split("\t"); });
  }

  function blockPaste(start, block) {
    var startRow = rows.indexOf(start.closest("tr"));
    var startColumn = Array.prototype.indexOf.call(start.closest("tr").children, start.closest("td"));
    var byUnit = block.some(function (cells) {
      return cells.length > 1 && rowOfUnit.hasOwnProperty(unitKey(cells[0]));
    });
    var counts = { pasted: 0, blank: 0, notApplicable: 0, outside: 0, noUnit: 0 };
    form.querySelectorAll("td.pasted").forEach(function (cell) { cell.classList.remove("pasted"); });
    block.forEach(function (cells, offset) {
      var row = byUnit ? rowOfUnit[unitKey(cells[0])] : rows[startRow + offset];
      var values = byUnit ? cells.slice(1) : cells;
      if (byUnit && !row) {
        if (cells.join("").trim()) counts.noUnit += 1;
        return;
      }
      values.forEach(function (text, column) {
        if (!text.trim()) { counts.blank += 1; return; }
        var cell = row && row.children[startColumn + column];
        var input = cell && cell.querySelector("input");
        if (!input || input.disabled) {
          counts[cell ? "notApplicable" : "outside"] += 1;
          return;
        }
        input.value = text.trim();
        cell.classList.add("pasted");
        check(input);
        counts.pasted += 1;
      });
    });
    recount();
    pasteSaid(counts, byUnit);
  }

  function pasteSaid(counts, byUnit) {
    var parts = [msg.msgPasted.replace("{count}", grouped(counts.pasted))];
    if (byUnit) parts.push(msg.msgPastedByUnit);
    if (counts.noUnit) parts.push(msg.msgPastedNoUnit.replace("{count}", grouped(counts.noUnit)));
    if (counts.notApplicable) {
      parts.push(msg.msgPastedNotApplicable.replace("{count}", grouped(counts.notApplicable)));
    }
    if (counts.outside) parts.push(msg.msgPastedOutside.replace("{count}", grouped(counts.outside)));
    if (counts.blank) parts.push(msg.msgPastedBlank.replace("{count}", grouped(counts.blank)));
    var note = document.getElementById("paste-note");
    // Chinese sentences run on after their 。; English ones take a space.
    note.textContent = parts.join(/^zh/i.test(document.documentElement.lang) ? "" : " ");
    note.hidden = false;
  }

  inputs.forEach(function (input) {
    input.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\t\n]/.test(text.replace(/[\r\n]+$/, ""))) return;
      event.preventDefault();
      blockPaste(input, blockRead(text));
    });
  });

  function unsaved(input) {
    return input.value !== input.defaultValue || input.dataset.dirty === "1";
  }

  var saving = false;
  form.addEventListener("submit", function () {
    saving = true;
    inputs.forEach(function (input) {
      if (!unsaved(input)) input.disabled = true;
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (saving || !inputs.some(unsaved)) return;
    event.preventDefault();
    event.returnValue = "";
  });

  recount();
})();
