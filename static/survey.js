// A real gesture confirms a one-click answer; link scanners do not touch, type or scroll.
// Loaded from /static (the Content-Security-Policy allows no inline script); the page names
// its gesture endpoint in data-gesture on <body>.
(function () {
  var url = document.body && document.body.getAttribute("data-gesture");
  if (!url) return;
  var sent = false;
  function confirmHuman() {
    if (sent) return;
    sent = true;
    fetch(url, {method: "POST", credentials: "omit", keepalive: true});
  }
  ["pointerdown", "touchstart", "keydown", "scroll"].forEach(function (t) {
    window.addEventListener(t, confirmHuman, {once: true, passive: true});
  });
})();
