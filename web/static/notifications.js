// The notification settings' push switch: subscribe this browser with the site's VAPID key
// (the standard PushManager API) and send the subscription to the hub; or unsubscribe.
(() => {
  const box = document.getElementById("push");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const texts = document.getElementById("push-texts").content.firstElementChild.dataset;
  const state = document.getElementById("push-state");
  const on = document.getElementById("push-on");
  const off = document.getElementById("push-off");
  document.getElementById("push-unsupported").hidden = true;
  box.hidden = false;

  function key(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token, Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  function show(subscribed) {
    state.textContent = Notification.permission === "denied" ? texts.denied : subscribed ? texts.on : texts.off;
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }

  async function registration() {
    return navigator.serviceWorker.register(box.dataset.worker, { scope: "/static/" });
  }

  on.addEventListener("click", async () => {
    try {
      const worker = await registration();
      await navigator.serviceWorker.ready;
      const subscription = await worker.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key(box.dataset.key),
      });
      await post("/api/push-subscriptions", subscription.toJSON());
      show(true);
    } catch (error) {
      state.textContent = Notification.permission === "denied" ? texts.denied : texts.failed;
    }
  });

  off.addEventListener("click", async () => {
    const worker = await registration();
    const subscription = await worker.pushManager.getSubscription();
    if (subscription) {
      await post("/api/push-subscriptions/remove", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    show(false);
  });

  registration()
    .then((worker) => worker.pushManager.getSubscription())
    .then((subscription) => show(Boolean(subscription)))
    .catch(() => show(false));
})();
