/* privmw consent banner: progressive enhancement of a plain form (no dependencies).
 *
 * Without this script the banner and the embed placeholders are forms posting to
 * privmw's consent endpoint, which answers 303 back to the page. With it, the same
 * form is sent with fetch (Accept: application/json), newly allowed tags are activated
 * in place (the "privmw:consent" event that privmw.js listens for), and the page is
 * reloaded only when something was taken back (a tag that ran cannot be un-run).
 * Any element with data-privmw-settings reopens the banner; Escape closes it again.
 */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!window.fetch || !window.JSON || !document.querySelector) return;
  var endpoint = (me && me.getAttribute("data-privmw-endpoint")) || "/privacy/consent";
  // privmw's URLs are made absolute: a root-relative one would follow the page's
  // <base href> (fetch and location resolve against it) to another host
  function own(url) {
    if (url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\") {
      return window.location.protocol + "//" + window.location.host + url;
    }
    return url;
  }
  endpoint = own(endpoint);
  var allowed = ((me && me.getAttribute("data-privmw-allowed")) || "").split(" ").filter(Boolean);
  var nonce = me ? me.nonce || me.getAttribute("nonce") || "" : "";
  var opener = null;
  var status = null;

  function banner() { return document.getElementById("privmw-banner"); }

  function say(text) {
    if (!status) {
      status = document.createElement("p");
      status.className = "privmw-status";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = text;
  }

  function landing() {
    var main = document.querySelector("main, [role=main]");
    if (main && !main.hasAttribute("tabindex")) main.setAttribute("tabindex", "-1");
    return main || document.body;
  }

  function close(el) {
    el.hidden = true;
    var target = opener && document.contains(opener) ? opener : landing();
    opener = null;
    if (target && target.focus) target.focus();
  }

  function open(el) {
    el.hidden = false;
    var details = el.querySelector("details");
    if (details) details.open = true;
    var heading = document.getElementById("privmw-banner-title");
    if (heading) heading.focus();
  }

  function ensureStyles() {
    var href = endpoint + "/banner.css";
    if (document.querySelector('link[href="' + href + '"]')) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    if (nonce) link.nonce = nonce;
    document.head.appendChild(link);
  }

  function reopen(from) {
    opener = from || null;
    var el = banner();
    if (el) { open(el); return; }
    var next = window.location.pathname + window.location.search;
    fetch(endpoint + "/banner?next=" + encodeURIComponent(next), {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (markup) {
        ensureStyles();
        document.body.insertAdjacentHTML("afterbegin", markup);
        var fresh = banner();
        if (fresh) open(fresh);
      })
      .catch(function () {
        window.location.href = endpoint + "/form?next=" + encodeURIComponent(next);
      });
  }

  function loadOnce(placeholder) {
    var frame = placeholder.nextElementSibling;
    if (!frame || frame.tagName !== "IFRAME") return;
    var src = placeholder.getAttribute("data-privmw-alt-src") || frame.getAttribute("data-privmw-src");
    frame.removeAttribute("data-privmw-src");
    frame.removeAttribute("data-privmw-category");
    frame.removeAttribute("data-privmw-vendor");
    if (src) frame.setAttribute("src", src);
    placeholder.parentNode.removeChild(placeholder);
    if (!frame.hasAttribute("tabindex")) frame.setAttribute("tabindex", "0");
    frame.focus();
  }

  function granted(state) {
    var now = [], name;
    for (name in state.allowed) {
      if (Object.prototype.hasOwnProperty.call(state.allowed, name) && state.allowed[name]) {
        now.push(name);
      }
    }
    return now;
  }

  function applied(now) {
    var holders = document.querySelectorAll(".privmw-embed"), i, focusFrame = null;
    for (i = 0; i < holders.length; i++) {
      var holder = holders[i];
      if (now.indexOf(holder.getAttribute("data-privmw-embed-category")) < 0) continue;
      var frame = holder.nextElementSibling, alt = holder.getAttribute("data-privmw-alt-src");
      if (frame && frame.tagName === "IFRAME" && alt && frame.hasAttribute("data-privmw-src")) {
        frame.setAttribute("data-privmw-src", alt);
      }
      if (holder.contains(document.activeElement)) focusFrame = frame;
      holder.parentNode.removeChild(holder);
    }
    /* privmw.js (served with pages that have gated tags) revives them in place. */
    document.dispatchEvent(new CustomEvent("privmw:consent", {detail: {categories: now}}));
    return focusFrame;
  }

  function submit(form, button) {
    var body = new URLSearchParams();
    var fields = form.elements, i;
    for (i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (!f.name || f.disabled || f.tagName === "BUTTON") continue;
      if ((f.type === "checkbox" || f.type === "radio") && !f.checked) continue;
      body.append(f.name, f.value);
    }
    var action = button && button.name === "action" ? button.value : null;
    if (action) body.set("action", action);
    action = body.get("action") || "save";
    return fetch(own(form.getAttribute("action") || endpoint), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
      body: body.toString()
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (state) {
      var now = granted(state);
      var revoked = allowed.filter(function (c) { return now.indexOf(c) < 0; });
      if (action === "withdraw" || revoked.length) {
        window.location.reload();
        return;
      }
      allowed = now;
      var el = banner();
      var frame = applied(now);
      if (el) {
        el.setAttribute("data-privmw-decided", "true");
        el.setAttribute("data-privmw-allowed", now.join(" "));
        var boxes = el.querySelectorAll('input[type="checkbox"][name]');
        for (var k = 0; k < boxes.length; k++) {
          boxes[k].checked = !!(state.consent && state.consent[boxes[k].name]);
        }
        var saved = now.length ? el.getAttribute("data-privmw-saved") : el.getAttribute("data-privmw-saved-none");
        if (saved) say(saved.replace("{categories}", now.join(", ")));
        if (!el.hidden) close(el);
      }
      if (frame && frame.focus) frame.focus();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-privmw-consent")) return;
    event.preventDefault();
    var button = event.submitter || null;
    submit(form, button).catch(function () {
      /* Fall back to the plain form post: the server answers 303 to this page. */
      if (button && button.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = button.name;
        hidden.value = button.value;
        form.appendChild(hidden);
      }
      form.removeAttribute("data-privmw-consent");
      form.submit();
    });
  });

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) return;
    var settings = target.closest("[data-privmw-settings]");
    if (settings) {
      event.preventDefault();
      reopen(settings);
      return;
    }
    var load = target.closest("[data-privmw-load]");
    if (load) {
      var holder = load.closest(".privmw-embed");
      if (holder) loadOnce(holder);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var el = banner();
    if (!el || el.hidden || !el.contains(document.activeElement)) return;
    var details = el.querySelector("details");
    var reopened = el.getAttribute("data-privmw-decided") === "true";
    if (details && details.open && details.contains(document.activeElement) && !reopened) {
      /* First visit: Escape folds the categories back; the choice is still to be made. */
      event.preventDefault();
      details.open = false;
      var summary = details.querySelector("summary");
      if (summary) summary.focus();
      return;
    }
    if (reopened) {
      event.preventDefault();
      close(el);
    }
  });

  var buttons = document.querySelectorAll("[data-privmw-load][hidden]");
  for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
})();
