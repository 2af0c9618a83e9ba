// Presence board: after every tap the hub reports (server-sent events), fetch the board again
// from the server and swap it in; the server's rules decide who is in, never this script.
"use strict";
(function () {
  const board = document.getElementById("board");
  const connection = document.getElementById("connection");
  const EVERY_MINUTE = 60000;  // closing time passes without a tap: refresh now and then too
  let loading = false;
  let again = false;

  function focusedHref() {
    const active = document.activeElement;
    return active && board.contains(active) ? active.getAttribute("href") : null;
  }

  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const response = await fetch("/presence/board", { headers: { Accept: "text/html" } });
      if (response.redirected || response.status === 401) {
        window.location.reload();  // the session ended: let the page send us to the login
      } else if (response.ok) {
        const href = focusedHref();
        board.innerHTML = await response.text();
        if (href) {
          const same = board.querySelector('a[href="' + CSS.escape(href) + '"]');
          if (same) same.focus();
        }
      }
    } finally {
      loading = false;
      if (again) { again = false; refresh(); }
    }
  }

  const source = new EventSource("/events");
  source.addEventListener("hello", function () {
    connection.textContent = connection.dataset.live;
    refresh();  // taps made while the connection was down
  });
  source.addEventListener("tap", refresh);
  source.onerror = function () { connection.textContent = connection.dataset.offline; };
  window.setInterval(refresh, EVERY_MINUTE);
})();
