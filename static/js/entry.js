/* The entry grid: checks each cell as it is typed (the server checks again on save), keeps
   the count of cells still empty, behaves like a spreadsheet (a click selects the cell, Esc
   undoes it, Enter moves down, Ctrl+S saves), takes a block pasted from Excel, keeps unsaved
   cells in the tab's sessionStorage so that a lost session or a closed page does not lose
   them, leads to the cells a save refused, and posts only the cells that changed so that an
   untouched cell never overwrites someone else's value. Leaving with unsaved cells asks
   first (unsaved.js, through the form's data-warn-unsaved). */
(function () {
  "use strict";
  var form = document.getElementById("entry-grid");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("td.cell input"));
  var msg = form.dataset;
  var unsaved = window.unsavedChanges.fieldUnsaved;
  var NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
  // THOUSANDS_GROUPED of cadre/cells.py.
  var THOUSANDS_GROUPED = /^[+-]?[0-9]{1,3}(, ?[0-9]{3})+([.。][0-9]*)?$/;

  /* A cell's text as cell_text cleans it on the server: full-width forms folded (NFKC),
     format characters (zero-width spaces, a byte-order mark) dropped, outer spaces trimmed. */
  function cleaned(text) {
    return text.normalize("NFKC").replace(/\p{Cf}/gu, "").trim();
  }

  /* The number in it as cell_decimal reads it: the ideographic full stop that a Chinese input
     method types is the decimal point (NFKC leaves 。 alone); thousands separators and spaces
     go. */
  function normalise(text) {
    return cleaned(text).replace(/。/g, ".").replace(/[,\s]/g, "");
  }

  /* What cell_decimal refuses before reading a number, in its words and order: 85% (the clerk
     means 85; 0.85 would be a guess as well), digits split by a space (1 0 is a typo, not
     ten) and a comma that separates no thousands (1,5: a decimal comma, or a typo). */
  function shapeProblem(value) {
    var text = cleaned(value).replace(/\s+/g, " ");
    if (/%$/.test(text)) return msg.msgPercent;
    if (/[0-9] [0-9]/.test(text)) return msg.msgSpace;
    if (/,/.test(text) && !THOUSANDS_GROUPED.test(text)) return msg.msgComma;
    return "";
  }

  function problem(input) {
    var text = normalise(input.value);
    if (text === "") return "";
    var shape = shapeProblem(input.value);
    if (shape) return shape;
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
      // A screen reader says why with the cell's name, as a sighted clerk reads it under the cell.
      note.id = "why-live-" + input.name;
      input.setAttribute(
        "aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
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

  /* The status counts are kept running: each input remembers whether it counted as missing
     and as invalid, and a change adjusts the totals by its own difference, so that a keystroke
     costs the same on a grid of 40 cells as on one of 4,000 (walking every input on each
     keystroke froze a large grid for a second). The category's total, when the grid spans
     several pages, moves by the same difference as this page's. */
  var tally = { missing: 0, invalid: 0, conflicts: form.querySelectorAll("td.conflict").length };
  var counted = new WeakMap();
  var categoryCount = document.getElementById("category-missing-count");
  var categoryBase = categoryCount ? Number(categoryCount.dataset.count) : 0;
  var pageBase = 0;

  function tallied(input) {
    var now = {
      missing: normalise(input.value) === "" ? 1 : 0,
      invalid: input.getAttribute("aria-invalid") === "true" ? 1 : 0,
    };
    var before = counted.get(input) || { missing: 0, invalid: 0 };
    tally.missing += now.missing - before.missing;
    tally.invalid += now.invalid - before.invalid;
    counted.set(input, now);
  }

  function recount() {
    document.getElementById("missing-count").textContent = grouped(tally.missing);
    if (categoryCount) {
      categoryCount.textContent = grouped(categoryBase + tally.missing - pageBase);
    }
    document.getElementById("invalid-count").textContent = grouped(tally.invalid);
    document.getElementById("invalid-note").hidden = tally.invalid === 0;
    nextButton.hidden = tally.invalid === 0 && tally.conflicts === 0;
  }

  /* A cell changed by typing, a paste, Esc or a restored draft is checked and kept in the
     draft alike; cellsChanged follows once per change, however many cells it touched. */
  function cellChanged(input) {
    check(input);
    tallied(input);
    draftNote(input);
    typedMark(input);
  }

  /* A cell holding what was typed but not saved carries a mark that only paper shows (print
     CSS): printed, its number is in italics with "未保存" under it, never passed off as
     stored. The screen shows the same through the save button and the leaving question. */
  function typedMark(input) {
    var cell = input.closest("td");
    var typed = unsaved(input);
    cell.classList.toggle("typed", typed);
    if (typed && !cell.querySelector("small.unsaved-mark")) {
      var mark = document.createElement("small");
      mark.className = "unsaved-mark";
      mark.textContent = msg.msgUnsavedMark;
      cell.appendChild(mark);
    }
  }

  function cellsChanged() {
    recount();
    draftWrite();
  }

  /* The grid's note under the status bar: what a paste did, what was restored. */
  var note = document.getElementById("paste-note");

  function noteShow(text, action) {
    note.textContent = text;
    if (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = action.label;
      button.addEventListener("click", action.run);
      note.appendChild(document.createTextNode(" "));
      note.appendChild(button);
    }
    note.hidden = false;
  }

  /* Unsaved cells are kept in the tab's sessionStorage as they are typed, pasted or undone,
     under the user, cycle, period (and the one indicator shown, if so). A save that meets a
     lost session (it lands on the login page) or an expired page (403), a reload or a link
     followed by mistake then loses nothing: the grid puts them back when it opens again. A
     stored cell goes back only into an input of the very same name: the name carries the
     version of the value, so a cell saved since, by this clerk's save that went through or by
     someone else, does not take the older typing. */
  var DRAFT_KEY = "kaohe.grid." + msg.draftKey;
  var draft = {};

  function draftRead() {
    try {
      return JSON.parse(window.sessionStorage.getItem(DRAFT_KEY)) || {};
    } catch (error) {
      return {};
    }
  }

  function draftWrite() {
    try {
      if (Object.keys(draft).length) {
        window.sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
      } else {
        window.sessionStorage.removeItem(DRAFT_KEY);
      }
    } catch (error) {
      // Storage full or switched off: the grid works on without this safety net.
    }
  }

  function draftNote(input) {
    if (unsaved(input)) draft[input.name] = input.value;
    else delete draft[input.name];
  }

  function gridInput(element) {
    return element instanceof HTMLInputElement && element.closest("td.cell") ? element : null;
  }

  function draftRestore() {
    var stored = draftRead();
    var restored = [];
    Object.keys(stored).forEach(function (name) {
      var input = gridInput(form.elements.namedItem(name));
      var text = String(stored[name]);
      if (!input || input.disabled || input.value === text) return;
      restored.push({ input: input, shown: input.value });
      input.value = text;
      input.closest("td").classList.add("restored");
      check(input);
      tallied(input);
    });
    inputs.forEach(draftNote);
    if (restored.length) {
      noteShow(msg.msgRestored.replace("{count}", grouped(restored.length)), {
        label: msg.msgRestoredDiscard,
        run: function () { draftDiscard(restored); },
      });
    }
  }

  function draftDiscard(restored) {
    restored.forEach(function (entry) {
      entry.input.value = entry.shown;
      entry.input.closest("td").classList.remove("restored");
      cellChanged(entry.input);
    });
    cellsChanged();
    note.hidden = true;
  }

  /* A click selects the whole cell, as Tab and Enter do, so that typing replaces the value as
     in Excel (clicking into 10 and typing 7 gave 710); a second click places the caret. Esc
     puts back what the cell held when it got the focus. */
  var valueAtFocus = "";
  var lastCell = null;

  form.addEventListener("focusin", function (event) {
    var input = gridInput(event.target);
    if (!input) return;
    valueAtFocus = input.value;
    lastCell = input.closest("td");
    input.select();
    uncover(input);
  });

  function undo(input) {
    input.value = valueAtFocus;
    cellChanged(input);
    cellsChanged();
    input.select();
  }

  /* The unit column and the header row stay put while the grid scrolls under them: a cell
     reached by Tab, Shift+Tab or a click is scrolled out from beneath them. */
  var wrap = form.querySelector(".grid-wrap");

  function uncover(input) {
    var cell = input.closest("td").getBoundingClientRect();
    var unit = input.closest("tr").firstElementChild.getBoundingClientRect();
    var head = wrap.querySelector("thead").getBoundingClientRect();
    if (cell.left < unit.right) wrap.scrollLeft -= unit.right - cell.left;
    if (cell.top < head.bottom) wrap.scrollTop -= head.bottom - cell.top;
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

  function cellKeyDown(input, event) {
    if (event.key === "Escape") {
      event.preventDefault();
      undo(input);
      return;
    }
    var down = event.key === "Enter" || event.key === "ArrowDown";
    var up = (event.key === "Enter" && event.shiftKey) || event.key === "ArrowUp";
    if (!down && !up) return;
    event.preventDefault();
    var next = neighbour(input, up ? -1 : 1);
    if (next) next.focus();
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      cellChanged(input);
      cellsChanged();
    });
    input.addEventListener("keydown", function (event) { cellKeyDown(input, event); });
  });

  window.formKeys.saveOnCtrlS(form, document.getElementById("save"));

  /* After a save that refused cells, the first of them gets the focus, and the status bar a
     button to the next one: with 40 units and more a refused cell is rarely on screen. */
  var nextButton = document.getElementById("next-problem");

  function problemCells() {
    return form.querySelectorAll("td.bad, td.conflict");
  }

  function problemNext() {
    var cells = Array.prototype.slice.call(problemCells());
    var after = cells.filter(function (cell) {
      return lastCell && lastCell.compareDocumentPosition(cell) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    var cell = after[0] || cells[0];
    if (!cell) return;
    cell.querySelector("input").focus({ preventScroll: true });
    cell.scrollIntoView({ block: "center", inline: "center" });
  }

  function refusedShow() {
    if (form.querySelector("td.cell small.why:not(.live)")) problemNext();
  }

  nextButton.addEventListener("click", problemNext);

  /* Pasting a block copied from Excel (cells split by tabs, rows by line breaks) fills the
     grid from the cell pasted into, rightwards and downwards, as a spreadsheet does. When a
     column of the block names units of the grid (by name or code), each row goes to its own
     unit whatever the order of the clerk's sheet, and rows naming no unit (titles, headers)
     are left out. When a row heads the block's columns with the grid's indicators, each
     column goes to its own indicator likewise. A blank in the block leaves its cell as it
     is, as a blank save would. */
  var rows = Array.prototype.slice.call(form.querySelectorAll("tbody tr"));
  var rowOfUnit = {};

  // A unit's or an indicator's name or code as a pasted cell may write it.
  function matchKey(text) {
    return (text || "").normalize("NFKC").replace(/\s+/g, "").toUpperCase();
  }

  var categoryNames = {};

  rows.forEach(function (row) {
    rowOfUnit[matchKey(row.dataset.unitName)] = row;
    rowOfUnit[matchKey(row.dataset.unitCode)] = row;
    categoryNames[matchKey(row.dataset.unitCategory)] = true;
  });

  /* The units of the grid's other pages (name, code), when it spans several: a block naming
     them is still pasted by unit, and its rows for units not on this page are counted apart,
     so that the clerk turns to their page rather than taking them for titles. */
  var otherPage = {};
  var otherUnits = document.getElementById("other-page-units");
  if (otherUnits) {
    JSON.parse(otherUnits.textContent).forEach(function (unit) {
      otherPage[matchKey(unit[0])] = true;
      otherPage[matchKey(unit[1])] = true;
    });
  }

  function namesUnit(text) {
    var key = matchKey(text);
    return rowOfUnit.hasOwnProperty(key) || otherPage.hasOwnProperty(key);
  }

  /* Where the block's values start when its rows name their units: after the column (of the
     first three) that names the unit, and after the columns beside it that only label the row
     again, the unit's name or its category. The template this system hands out has code, name
     and category before the values; a clerk's own sheet often has a 序号 before the name. Pasted
     as they are, those labels would push every value one indicator to the right. Null when no
     row names a unit: the block then goes cell for cell. */
  function blank(text) {
    return !text || !text.trim();
  }

  function labelColumn(rowsNamed, column) {
    var labels = rowsNamed.every(function (cells) {
      var text = cells[column];
      return blank(text) || namesUnit(text) || categoryNames.hasOwnProperty(matchKey(text));
    });
    return labels && rowsNamed.some(function (cells) { return !blank(cells[column]); });
  }

  function unitColumns(block) {
    for (var unit = 0; unit < 3; unit += 1) {
      var rowsNamed = block.filter(function (cells) {
        return cells.length > unit + 1 && namesUnit(cells[unit]);
      });
      if (!rowsNamed.length) continue;
      var values = unit + 1;
      while (labelColumn(rowsNamed, values)) values += 1;
      return { unit: unit, values: values };
    }
    return null;
  }

  /* The grid's columns (their index in a row) by their indicator's code and by its exact
     name; a name two indicators share is left to their codes. */
  var columnOfHead = {};
  (function () {
    var byName = {};
    form.querySelectorAll("thead th").forEach(function (head, column) {
      var code = head.querySelector(".code");
      if (!code) return;
      columnOfHead[matchKey(code.textContent)] = column;
      var name = matchKey(head.querySelector(".name").textContent);
      byName[name] = byName.hasOwnProperty(name) ? null : column;
    });
    Object.keys(byName).forEach(function (name) {
      if (byName[name] !== null && !columnOfHead.hasOwnProperty(name)) {
        columnOfHead[name] = byName[name];
      }
    });
  })();

  function headsColumn(text) {
    return columnOfHead.hasOwnProperty(matchKey(text));
  }

  /* The row heading the block's columns: one that names an indicator of the grid (by code or
     exact name) and no unit, the first row of the block, or when rows name their units any
     row above the first of them (a title may stand above the heading). Its heads from
     `first` on say where each column goes: `columns` holds a column's grid index, or null
     when its head names nothing of the grid; `unknown` the heads naming nothing of the grid.
     Null when no row heads the block: its columns then go by position. */
  function headRow(block, columns) {
    var first = columns ? columns.values : 0;
    var candidates = columns ? block : block.slice(0, 1);
    for (var index = 0; index < candidates.length; index += 1) {
      var cells = candidates[index];
      if (columns && namesUnit(cells[columns.unit])) return null;
      if (!cells.slice(first).some(headsColumn) || cells.some(namesUnit)) continue;
      var unknown = [];
      var heads = cells.map(function (text, column) {
        if (column < first) return null;
        if (headsColumn(text)) return columnOfHead[matchKey(text)];
        if (!blank(text)) unknown.push(text.trim());
        return null;
      });
      return { index: index, first: first, columns: heads, unknown: unknown };
    }
    return null;
  }

  function blockRead(text) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    return lines.map(function (line) { return line.split("\t"); });
  }

  function blockPaste(start, block) {
    var startRow = rows.indexOf(start.closest("tr"));
    var startColumn = Array.prototype.indexOf.call(start.closest("tr").children, start.closest("td"));
    var columns = unitColumns(block);
    var byUnit = columns !== null;
    var heads = headRow(block, columns);
    var counts = {
      pasted: 0, blank: 0, notApplicable: 0, outside: 0, noUnit: 0, otherPage: 0, unheaded: 0,
    };
    form.querySelectorAll("td.pasted").forEach(function (cell) { cell.classList.remove("pasted"); });
    // Positional rows start below the heading; rows by unit skip it as they skip titles.
    var body = heads && !byUnit ? block.slice(1) : block;
    body.forEach(function (cells, offset) {
      if (heads && byUnit && offset === heads.index) return;
      var row = byUnit ? rowOfUnit[matchKey(cells[columns.unit])] : rows[startRow + offset];
      var first = byUnit ? columns.values : 0;
      if (byUnit && !row) {
        if (otherPage.hasOwnProperty(matchKey(cells[columns.unit]))) counts.otherPage += 1;
        else if (cells.join("").trim()) counts.noUnit += 1;
        return;
      }
      cells.slice(first).forEach(function (text, index) {
        if (blank(text)) { counts.blank += 1; return; }
        var column = heads ? heads.columns[first + index] : startColumn + index;
        if (column === null || column === undefined) { counts.unheaded += 1; return; }
        var cell = row && row.children[column];
        var input = cell && cell.querySelector("input");
        if (!input || input.disabled) {
          counts[cell ? "notApplicable" : "outside"] += 1;
          return;
        }
        input.value = text.trim();
        cell.classList.add("pasted");
        cellChanged(input);
        counts.pasted += 1;
      });
    });
    cellsChanged();
    pasteSaid(counts, columns, heads);
  }

  function pasteSaid(counts, columns, heads) {
    // Chinese sentences run on after their 。; English ones take a space.
    var chinese = /^zh/i.test(document.documentElement.lang);
    var parts = [msg.msgPasted.replace("{count}", grouped(counts.pasted))];
    if (columns && columns.values === 1) parts.push(msg.msgPastedByUnit);
    if (columns && columns.values > 1) {
      parts.push(msg.msgPastedLabelColumns.replace("{count}", grouped(columns.values)));
    }
    if (heads) parts.push(msg.msgPastedByHead);
    if (heads && heads.unknown.length) {
      var named = heads.unknown.map(function (head) { return "“" + head + "”"; });
      parts.push(msg.msgPastedUnknownHeads.replace("{heads}", named.join(chinese ? "、" : ", ")));
    }
    if (counts.unheaded) {
      parts.push(msg.msgPastedUnheaded.replace("{count}", grouped(counts.unheaded)));
    }
    if (counts.otherPage) {
      parts.push(msg.msgPastedOtherPage.replace("{count}", grouped(counts.otherPage)));
    }
    if (counts.noUnit) parts.push(msg.msgPastedNoUnit.replace("{count}", grouped(counts.noUnit)));
    if (counts.notApplicable) {
      parts.push(msg.msgPastedNotApplicable.replace("{count}", grouped(counts.notApplicable)));
    }
    if (counts.outside) parts.push(msg.msgPastedOutside.replace("{count}", grouped(counts.outside)));
    if (counts.blank) parts.push(msg.msgPastedBlank.replace("{count}", grouped(counts.blank)));
    noteShow(parts.join(chinese ? "" : " "));
  }

  inputs.forEach(function (input) {
    input.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\t\n]/.test(text.replace(/[\r\n]+$/, ""))) return;
      event.preventDefault();
      blockPaste(input, blockRead(text));
    });
  });

  /* Only the cells that changed are posted: an untouched cell never overwrites someone
     else's value. */
  var heldBack = [];

  form.addEventListener("submit", function () {
    heldBack = inputs.filter(function (input) { return !input.disabled && !unsaved(input); });
    heldBack.forEach(function (input) { input.disabled = true; });
  });

  // Back to this page from the browser's cache after a save that did not go through (an
  // expired page, a lost connection): its cells must take typing again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    heldBack.forEach(function (input) { input.disabled = false; });
    heldBack = [];
  });

  inputs.forEach(tallied);
  pageBase = tally.missing;
  draftRestore();
  // Cells sent back refused (data-dirty) and cells put back from the draft are not saved.
  inputs.forEach(function (input) { if (unsaved(input)) typedMark(input); });
  cellsChanged();
  refusedShow();
})();
