// Every page's layout on a phone (base.html loads it in <head>, before the page is drawn):
// the menu folds behind a button, and wide tables become stacked rows. It marks <html> with
// the class "js" at once, so the stylesheet draws the folded menu and stacked rows from the
// first paint (no jump when the page is ready). Without scripts the menu stays unfolded and
// tables scroll sideways in their region: nothing is lost, it is only longer.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  // The menu: a disclosure button (aria-expanded) that the stylesheet shows on narrow screens.
  const toggle = document.querySelector(".menu-toggle");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (menu) {
    const setOpen = function (open) { toggle.setAttribute("aria-expanded", String(open)); };
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
      setOpen(false);
      toggle.focus();
    });
  }

  // Stacked tables: each cell gets its column's heading as `data-label` (shown before the
  // value on narrow screens), rowspans and colspans counted. Explicit ARIA roles keep the
  // table a table for screen readers when the stylesheet makes its parts blocks.
  const ROLES = { TABLE: "table", THEAD: "rowgroup", TBODY: "rowgroup", TFOOT: "rowgroup", TR: "row" };

  function headings(table) {
    const names = [];
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return names;
    for (const cell of head.cells) {
      for (let span = 0; span < cell.colSpan; span++) names.push(cell.textContent.trim());
    }
    return names;
  }

  function label(table) {
    const names = headings(table);
    if (!names.length) return;
    const carried = [];  // column → rows still covered by a rowspan from above
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        if (carried[0] > 0) row.setAttribute("data-continued", "");  // a second visit's row
        for (const cell of row.cells) {
          while (carried[column] > 0) column++;
          const whole = cell.colSpan >= names.length;  // "nothing here": a sentence, no heading
          if (!whole && !cell.hasAttribute("data-label") && names[column]) cell.setAttribute("data-label", names[column]);
          cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
          for (let span = 0; span < cell.colSpan; span++) carried[column + span] = cell.rowSpan;
          column += cell.colSpan;
        }
        for (let index = 0; index < carried.length; index++) if (carried[index] > 0) carried[index]--;
        row.setAttribute("role", ROLES.TR);
      }
      body.setAttribute("role", ROLES.TBODY);
    }
    for (const cell of table.tHead.querySelectorAll("th, td")) cell.setAttribute("role", "columnheader");
    for (const row of table.tHead.rows) row.setAttribute("role", ROLES.TR);
    table.tHead.setAttribute("role", ROLES.THEAD);
    table.setAttribute("role", ROLES.TABLE);
  }

  function labelAll() {
    for (const table of document.querySelectorAll(".table-scroll > table:not(.grid):not(.month)")) label(table);
  }

  labelAll();
  // Live pages add rows and swap boards: label what they add.
  new MutationObserver(function (changes) {
    if (changes.some(function (change) { return change.addedNodes.length; })) labelAll();
  }).observe(document.querySelector("main") || document.body, { childList: true, subtree: true });
});
