// The group at the door: a tap sends its form without leaving the page; after every change
// (this tablet's or anyone's, told by the presence board's event stream) the grid's rows are
// fetched again and swapped in. The server decides every state; this script only moves HTML.
"use strict";
(function () {
  const grid = document.getElementById("grid");
  const connection = document.getElementById("connection");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let pending = null;
  let again = false;
  let focusKey = null;  // the button last pressed, while the rows are being fetched again

  function keep(html) {
    const active = document.activeElement;
    const key = active && grid.contains(active) && active.dataset.key ? active.dataset.key : focusKey;
    grid.innerHTML = html;
    if (key) {
      // keyboard users keep their place: the same button, else the same child's first one
      const child = key.split("-")[0];
      const same = grid.querySelector('[data-key="' + CSS.escape(key) + '"]') ||
        grid.querySelector('[data-key^="' + CSS.escape(child) + '-"]');
      if (same) same.focus();
    }
    focusKey = null;
  }

  async function refresh() {
    if (pending) {
      again = true;  // a change came while fetching: fetch once more after this one
      return pending;
    }
    pending = (async function () {
      try {
        do {
          again = false;
          const response = await fetch(grid.dataset.rows, { headers: { Accept: "text/html" } });
          if (response.redirected || response.status === 401) window.location.reload();
          else if (response.ok) keep(await response.text());
        } while (again);
      } finally {
        pending = null;
      }
    })();
    return pending;
  }

  grid.addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const button = event.submitter;
    const body = new URLSearchParams(new FormData(form));
    if (button && button.name) body.set(button.name, button.value);
    focusKey = button && document.activeElement === button ? button.dataset.key : null;
    for (const each of form.querySelectorAll("button")) each.disabled = true;
    const response = await fetch(form.getAttribute("action"), {  // not form.action: a button is named "action"
      method: "POST",
      body: body,
      headers: { "X-CSRF-Token": token, Accept: "text/html" },
      redirect: "manual",
    });
    if (response.type !== "opaqueredirect" && !response.ok) {
      connection.textContent = connection.dataset.failed;
    }
    await refresh();
  });

  if (!window.EventSource) {
    window.setInterval(refresh, 30000);
    return;
  }
  const source = new EventSource("/presence/events");
  source.addEventListener("board", function () {
    connection.textContent = connection.dataset.live;
    refresh();
  });
  source.onerror = function () {
    connection.textContent = connection.dataset.offline;
    if (source.readyState === EventSource.CLOSED) window.location.reload();
  };
})();
