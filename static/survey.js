// Evidence that a person is on the page (src/domain/evidence.rs): the page loaded, stayed
// visible and focused for the dwell time, was hidden or closed (with how long it was in view),
// or was touched, clicked or typed in. Mail scanners open pages but do not touch, type or
// scroll. Loaded from /static (the Content-Security-Policy allows no inline script); the page
// names its token and the dwell time on <body>.
(function () {
  var body = document.body;
  var token = body && body.getAttribute("data-token");
  if (!token) return;
  var base = "/s/" + token;
  var dwellMs = parseInt(body.getAttribute("data-dwell-ms"), 10) || 2000;

  // A browser driven by automation says so (WebDriver sets navigator.webdriver): its dwell is
  // no sign of a person. A person's own touch, click or key still is.
  var automated = navigator.webdriver === true;

  function beacon(kind, visibleMs) {
    var data = new URLSearchParams({kind: kind});
    if (automated) data.set("automated", "1");
    if (visibleMs !== undefined) data.set("visible_ms", String(Math.round(visibleMs)));
    if (!(navigator.sendBeacon && navigator.sendBeacon(base + "/beacon", data))) {
      fetch(base + "/beacon", {method: "POST", body: data, credentials: "omit", keepalive: true});
    }
  }

  // Time in view: counted while the page is visible and has focus.
  var visibleMs = 0, since = null, dwellSent = false, hiddenSent = false;
  function inView() { return document.visibilityState === "visible" && document.hasFocus(); }
  function tick() {
    var now = performance.now();
    if (since !== null) visibleMs += now - since;
    since = inView() ? now : null;
    if (!dwellSent && visibleMs >= dwellMs) { dwellSent = true; beacon("dwell", visibleMs); }
  }
  setInterval(tick, 250);
  ["visibilitychange", "focus", "blur"].forEach(function (t) { window.addEventListener(t, tick); });
  function leave() {
    tick();
    if (!hiddenSent) { hiddenSent = true; beacon("hidden", visibleMs); }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave(); else hiddenSent = false;
  });
  window.addEventListener("pagehide", leave);

  // Only the browser's own events count: a scanner's script can dispatch a pointerdown, but
  // the event it makes is not trusted. Not `once`: an untrusted event must not use up the
  // listener a person's touch needs.
  var touched = false;
  function gesture(e) {
    if (touched || !e.isTrusted) return;
    touched = true;
    fetch(base + "/gesture", {method: "POST", credentials: "omit", keepalive: true});
  }
  ["pointerdown", "touchstart", "keydown"].forEach(function (t) {
    window.addEventListener(t, gesture, {passive: true});
  });

  beacon("loaded");
  tick();
})();
