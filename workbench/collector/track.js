/* Segment Workbench tracking script, served by the collector at /track.js.
 *
 *   <script async src="https://COLLECTOR/track.js"></script>
 *
 * It records a page_view when a page loads (url, title, referrer, and the category named by
 * the first element with a data-wb-category attribute), and time_on_page (the seconds the
 * page was visible) whenever the page is hidden. A first-party cookie, wb_aid, keeps the
 * visitor's anonymous id for a year. Pages call:
 *
 *   wb.identify("c42")                        // this visitor is contact c42
 *   wb.track("add_to_cart", {product_id: "p1", amount: 129.9})
 *   wb.page()                                 // a new page in a single-page app
 *
 * Calls made before the script has loaded are queued by this stub, placed before it:
 *   <script>window.wb=window.wb||{q:[]};["identify","track","page"].forEach(function(m){
 *     wb[m]=wb[m]||function(){wb.q.push([m,[].slice.call(arguments)])}})</script>
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var endpoint = script.getAttribute("data-endpoint") || new URL("/t/w", script.src).href;
  var YEAR = 365 * 24 * 3600;
  var ID = /^[A-Za-z0-9_-]{8,64}$/;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var out = "";
    for (var i = 0; i < 32; i++) out += Math.floor(Math.random() * 16).toString(16);
    return out;
  }

  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function writeCookie(name, value) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie =
      name + "=" + encodeURIComponent(value) + "; Max-Age=" + YEAR + "; Path=/; SameSite=Lax" + secure;
  }

  var anonymousId = readCookie("wb_aid");
  if (!anonymousId || !ID.test(anonymousId)) anonymousId = newId();
  writeCookie("wb_aid", anonymousId); // refreshed on every page: a year after the last visit
  var contactId = readCookie("wb_cid");

  // Messages of one moment go in one beacon; a hidden page sends at once.
  var pending = [];
  var timer = null;

  function send() {
    timer = null;
    if (!pending.length) return;
    var body = JSON.stringify({ anonymous_id: anonymousId, contact_id: contactId, events: pending });
    pending = [];
    var sent = false;
    try {
      // text/plain needs no CORS preflight, and the browser delivers it after the page is gone
      sent = navigator.sendBeacon && navigator.sendBeacon(endpoint, new Blob([body], { type: "text/plain" }));
    } catch (e) {
      sent = false;
    }
    if (!sent && window.fetch) {
      fetch(endpoint, { method: "POST", body: body, keepalive: true, headers: { "Content-Type": "text/plain" } });
    }
  }

  function queue(message, now) {
    message.id = newId();
    pending.push(message);
    if (now) send();
    else if (!timer) timer = setTimeout(send, 0);
  }

  function category() {
    var el = document.querySelector("[data-wb-category]");
    return el ? el.getAttribute("data-wb-category") || null : null;
  }

  function pageFields() {
    return { url: location.href, title: document.title || null, category: category() };
  }

  // Time on page: the visible time since the page loaded or was last shown.
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;

  function flushTime() {
    if (visibleSince === null) return;
    var seconds = (Date.now() - visibleSince) / 1000;
    visibleSince = null;
    if (seconds > 0) {
      var message = pageFields();
      message.type = "time_on_page";
      message.duration_s = Math.round(seconds * 1000) / 1000;
      queue(message, true);
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flushTime();
    else if (visibleSince === null) visibleSince = Date.now();
  });
  window.addEventListener("pagehide", flushTime);

  var viewed = false;
  var api = {
    page: function () {
      if (viewed) flushTime(); // the time on the previous view of a single-page app
      viewed = true;
      visibleSince = document.visibilityState === "visible" ? Date.now() : null;
      var message = pageFields();
      message.type = "page_view";
      message.referrer = document.referrer || null;
      queue(message);
    },
    identify: function (id) {
      if (!id) return;
      contactId = String(id);
      writeCookie("wb_cid", contactId);
      queue({ type: "identify", contact_id: contactId });
    },
    track: function (name, properties) {
      if (!name) return;
      var message = pageFields();
      message.type = "track";
      message.name = String(name);
      message.properties = properties || null;
      queue(message);
    },
  };

  var earlier = window.wb && window.wb.q ? window.wb.q : [];
  window.wb = api;
  api.page();
  for (var i = 0; i < earlier.length; i++) {
    var call = earlier[i];
    if (api[call[0]]) api[call[0]].apply(null, call[1]);
  }
})();
