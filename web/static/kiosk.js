// The kiosk goes back to its empty PIN form after a while without a touch or a key: nothing a
// guardian typed or chose stays on the screen for the next person, and the kiosk's session
// stays open. Any touch or key starts the wait again.
"use strict";
(function () {
  const idle = document.getElementById("kiosk-idle");
  const seconds = Number(idle.dataset.seconds);
  let timer = null;

  function restart() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { window.location.assign("/kiosk"); }, seconds * 1000);
  }

  for (const name of ["pointerdown", "keydown", "input"]) document.addEventListener(name, restart, true);
  restart();
})();
