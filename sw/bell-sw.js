// The widget's service worker. The host serves this file at the path it
// gives in <qontak-bell sw="…">; the widget registers it with that path as
// its scope, so it controls no page and cannot clash with the host's own
// worker. It only shows pop-ups (the widget calls showNotification through
// it) and handles their clicks. Plain JS: listeners register synchronously.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { id, link, api, token } = event.notification.data || {};
  const target = new URL(link || '/', self.location.origin).href;
  const markRead = id && api && token
    ? fetch(`${api.replace(/\/$/, '')}/v1/notifications/${encodeURIComponent(id)}/read`, {
        method: 'POST', headers: { authorization: `Bearer ${token}` }, keepalive: true,
      }).catch(() => {})
    : Promise.resolve();
  const focus = self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
    // An open tab on the notification's page, else any tab of the host, else a new one.
    const exact = windows.find((w) => w.url === target);
    if (exact) return exact.focus();
    const same = windows.find((w) => new URL(w.url).origin === new URL(target).origin);
    if (same) {
      // This worker controls no page, so it cannot navigate one: the widget
      // in that tab does, on this message.
      same.postMessage({ type: 'qontak-bell:open', link: target });
      return same.focus();
    }
    return self.clients.openWindow(target);
  });
  event.waitUntil(Promise.all([markRead, focus]));
});
