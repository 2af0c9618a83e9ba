// The new-account form, enhanced: choosing a role shows that role's fields at once (without
// this script the "Continue" button does it), and typing in "Find a child by name" hides the
// children whose names do not match as you type (without it, "Find" asks the server).
"use strict";

(function () {
  const role = document.getElementById("new-role");
  if (role) {
    role.addEventListener("change", function () {
      role.form.requestSubmit();
    });
  }
  const find = document.getElementById("find-child");
  const list = find && document.querySelector(find.dataset.filters);
  if (find && list) {
    const fold = function (text) {
      return text.toLocaleLowerCase("pl").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ł/g, "l");
    };
    find.addEventListener("input", function () {
      const wanted = fold(find.value.trim());
      for (const row of list.querySelectorAll(".field-check")) {
        const checked = row.querySelector("input").checked;
        // style, not the hidden attribute: the stylesheet sets .field-check's display
        row.style.display = !checked && wanted !== "" && !fold(row.textContent).includes(wanted) ? "none" : "";
      }
    });
  }
})();
