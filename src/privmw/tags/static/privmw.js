/* privmw: activates tags neutralised by the server once consent allows them.
   Contract: document.dispatchEvent(new CustomEvent("privmw:consent",
   {detail: {categories: ["analytics", ...]}})) or window.privmw.activate([...]). */
(function () {
  "use strict";
  var RELOAD = /*RELOAD*/false;
  var GCM = /*GCM*/{};
  var PREFIX = "data-privmw-";
  var KEEP = ["data-privmw-category", "data-privmw-vendor", "data-privmw-overflow"];
  function granted(list, category) {
    return category === "necessary" || list.indexOf(category) >= 0;
  }
  function activate(categories) {
    var list = [], i;
    if (categories && typeof categories.length === "number") {
      for (i = 0; i < categories.length; i++) list.push(String(categories[i]));
    }
    var nodes = document.querySelectorAll("[data-privmw-category]"), count = 0;
    for (i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (!granted(list, el.getAttribute("data-privmw-category"))) continue;
      count++;
      if (RELOAD) continue;
      // localName: in an XML document (XHTML, SVG) tagName keeps its case
      if ((el.localName || el.tagName || "").toLowerCase() === "script") {
        // in the element's own namespace: an SVG script, or an XHTML one in an XML document
        var ns = el.namespaceURI, k, a;
        var s = ns && document.createElementNS ? document.createElementNS(ns, "script")
          : document.createElement("script");
        for (k = 0; k < el.attributes.length; k++) {
          a = el.attributes[k];
          if (a.name === "type" || a.name.indexOf("data-privmw-") === 0) continue;
          s.setAttribute(a.name, a.value);
        }
        var type = el.getAttribute("data-privmw-type");
        if (type) s.setAttribute("type", type);
        if (el.nonce) s.nonce = el.nonce;
        var src = el.getAttribute("data-privmw-src");
        var href = el.getAttribute("data-privmw-href");
        if (href === null) href = el.getAttribute("data-privmw-xlink:href");
        if (src !== null) {
          s.async = el.hasAttribute("async");
          s.src = src;
        } else if (href !== null) {
          s.setAttribute("href", href); // an SVG script
        } else if ("text" in el) {
          s.text = el.text;
        } else {
          s.textContent = el.textContent;
        }
        el.parentNode.replaceChild(s, el);
      } else {
        // every moved attribute (src, srcset, href, poster, style, on*...) comes back
        var moved = [];
        for (k = 0; k < el.attributes.length; k++) {
          var n = el.attributes[k].name;
          if (n.indexOf(PREFIX) === 0 && KEEP.indexOf(n) < 0) moved.push(n);
        }
        if (el.tagName === "STYLE") {
          if (el.getAttribute(PREFIX + "type") === null) el.removeAttribute("type");
          el.textContent = el.textContent.replace(/@privmw-import/g, "@import");
        }
        for (k = 0; k < moved.length; k++) {
          el.setAttribute(moved[k].slice(PREFIX.length), el.getAttribute(moved[k]));
          el.removeAttribute(moved[k]);
        }
        el.removeAttribute("data-privmw-category");
        el.removeAttribute("data-privmw-vendor");
      }
    }
    if (window.dataLayer && typeof window.dataLayer.push === "function") {
      var state = {};
      for (var key in GCM) {
        if (Object.prototype.hasOwnProperty.call(GCM, key)) {
          state[key] = granted(list, GCM[key]) ? "granted" : "denied";
        }
      }
      (function () { window.dataLayer.push(arguments); })("consent", "update", state);
    }
    if (RELOAD && count) window.location.reload();
    return count;
  }
  window.privmw = window.privmw || {};
  window.privmw.activate = activate;
  document.addEventListener("privmw:consent", function (event) {
    var detail = event.detail;
    activate(detail && detail.categories);
  });
})();
