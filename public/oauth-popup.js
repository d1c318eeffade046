// The OAuth popup's own pages (served without the app's bundle): tell the page that opened the
// popup what happened (postMessage to our own origin, a BroadcastChannel as fallback) and close;
// without an opener, continue in this window. An error page stays open with a Close button.
(function () {
  var page = document.querySelector('[data-popup]');
  if (!page) return;
  var opener = null;
  try { opener = window.opener && !window.opener.closed ? window.opener : null; } catch (e) {}
  var message = page.getAttribute('data-message');
  if (message) {
    if (opener) { try { opener.postMessage(message, window.location.origin); } catch (e) {} }
    try { var channel = new BroadcastChannel('wevion-tiktok'); channel.postMessage(message); channel.close(); } catch (e) {}
    if (opener) { window.close(); } else { window.location.replace(page.getAttribute('data-next')); }
  }
  var close = document.querySelector('[data-close]');
  if (close) {
    close.addEventListener('click', function () {
      if (opener) { window.close(); } else { window.location.href = '/connect/tiktok'; }
    });
  }
})();
