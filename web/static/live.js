// Live page: appends taps and updates reader rows as the hub reports them (server-sent events).
// Its words come translated from the page (#live-words), so this file holds no language.
"use strict";
(function () {
  const tz = document.documentElement.dataset.tz || undefined;
  const lang = document.documentElement.lang || "pl";
  const words = JSON.parse(document.getElementById("live-words").textContent);
  const events = { in: words.in, out: words.out };
  const qualities = { clock: words.clock, derived: words.derived, unknown: words.unknown };
  const connection = document.getElementById("connection");
  const tapsBody = document.querySelector("#taps tbody");
  const tapCount = document.getElementById("tap-count");

  function clock(iso) {
    if (!iso) return "?";
    return new Date(iso).toLocaleTimeString(lang, { hour12: false, timeZone: tz });
  }

  function cell(row, text, tag) {
    const element = document.createElement(tag || "td");
    element.textContent = text;
    row.appendChild(element);
    return element;
  }

  function addTap(tap) {
    const row = document.createElement("tr");
    row.className = "fresh";
    cell(row, clock(tap.at));
    const child = cell(row, tap.name || words.unknown_card);
    if (!tap.name) child.className = "bad";
    cell(row, events[tap.result] || "—");
    cell(row, tap.reader_id);
    const uid = cell(row, "");
    const code = document.createElement("code");
    code.textContent = tap.uid;
    uid.appendChild(code);
    cell(row, qualities[tap.time_quality] || tap.time_quality);
    tapsBody.insertBefore(row, tapsBody.firstChild);
    tapCount.textContent = String(tapsBody.rows.length);
  }

  function updateReader(reader) {
    const row = document.querySelector('tr[data-reader="' + CSS.escape(reader.id) + '"]');
    if (!row) { window.location.reload(); return; }
    const state = row.querySelector(".state");
    state.textContent = "";
    const badge = document.createElement("span");
    badge.className = reader.online ? "ok" : "bad";
    badge.textContent = reader.online ? words.online : words.offline;
    state.appendChild(badge);
    row.querySelector(".seen").textContent = clock(reader.last_seen);
    row.querySelector(".fw").textContent = reader.fw || "—";
    row.querySelector(".queue").textContent = reader.queue == null ? "—" : String(reader.queue);
  }

  const source = new EventSource("/events");
  source.addEventListener("hello", function () { connection.textContent = words.live; });
  source.addEventListener("tap", function (message) { addTap(JSON.parse(message.data)); });
  source.addEventListener("reader", function (message) { updateReader(JSON.parse(message.data)); });
  source.onerror = function () { connection.textContent = words.reconnecting; };
})();
