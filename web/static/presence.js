// Presence board: the server pushes the board after every tap (server-sent events) and this
// script swaps it in; the server's rules decide who is in, never this script.
"use strict";
(function () {
  const board = document.getElementById("board");
  const connection = document.getElementById("connection");
  const POLL_EVERY = 30000;  // only for a browser without server-sent events

  const own = (board.dataset.own || "").split(" ").filter(Boolean);

  function ownFirst() {
    // the board is the same for everyone; a teacher's own groups move to its top
    const first = board.querySelector("section.presence-group");
    if (!first) return;
    for (const id of own.slice().reverse()) {
      const section = board.querySelector('section.presence-group[data-group="' + CSS.escape(id) + '"]');
      if (section) board.querySelector("section.presence-group").before(section);
    }
  }

  function show(html) {
    const active = document.activeElement;
    const href = active && board.contains(active) ? active.getAttribute("href") : null;
    board.innerHTML = html;
    ownFirst();
    if (href) {
      const same = board.querySelector('a[href="' + CSS.escape(href) + '"]');
      if (same) same.focus();  // keyboard users keep their place
    }
  }

  if (!window.EventSource) {
    window.setInterval(async function () {
      const response = await fetch("/presence/board", { headers: { Accept: "text/html" } });
      if (response.redirected || response.status === 401) window.location.reload();
      else if (response.ok) show(await response.text());
    }, POLL_EVERY);
    return;
  }
  const source = new EventSource("/presence/events");
  source.addEventListener("board", function (event) {
    connection.textContent = connection.dataset.live;
    show(JSON.parse(event.data));
  });
  source.onerror = function () {
    connection.textContent = connection.dataset.offline;
    if (source.readyState === EventSource.CLOSED) window.location.reload();  // the session ended
  };
})();
