// Reading time (互动雷达): report how long this page has been visible, every 10 s and when
// it is hidden. The server keeps the longest report per open; nothing else is sent.
(function () {
  "use strict";
  var main = document.getElementById("landing");
  if (!main) { return; }
  var url = main.getAttribute("data-beacon");
  var openId = main.getAttribute("data-open");
  var visibleMs = 0;
  var since = document.visibilityState === "visible" ? Date.now() : null;
  function seconds() {
    var ms = visibleMs + (since === null ? 0 : Date.now() - since);
    return Math.floor(ms / 1000);
  }
  function report() {
    var body = new URLSearchParams({ open: openId, seconds: String(seconds()) });
    if (navigator.sendBeacon) { navigator.sendBeacon(url, body); return; }
    fetch(url, { method: "POST", body: body, keepalive: true, credentials: "same-origin" });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (since !== null) { visibleMs += Date.now() - since; since = null; }
      report();
    } else {
      since = Date.now();
    }
  });
  setInterval(function () { if (since !== null) { report(); } }, 10000);
}());
