// Cards page: a card touched to the desk reader (`ewidencjoner desk-reader`) fills the
// "Assign a card" form's UID and is announced; the hub reads the card, this only shows it.
"use strict";
(function () {
  const status = document.getElementById("desk-read");
  const uid = document.getElementById("new-uid");
  if (!status || !uid) return;
  const EVERY = 1500;
  let after = null;  // the number of the last read seen; the first answer only sets it

  async function poll() {
    try {
      const response = await fetch("/api/cards/desk-reads?after=" + (after || 0), {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const reads = await response.json();
      if (reads.length) {
        const last = reads[reads.length - 1];
        if (after !== null) {
          uid.value = last.uid;
          status.textContent = status.dataset.read.replace("{uid}", last.uid);
        }
        after = last.n;
      } else if (after === null) {
        after = 0;
      }
    } catch (error) {
      // the hub restarting: try again at the next tick
    }
  }
  poll();
  window.setInterval(poll, EVERY);
})();
