/* privmw example: progressive enhancement of the consent banner (first-party, no deps).
 *
 * Without this script the banner is a plain form: POST to privmw's consent endpoint,
 * 303 back to the page, which the server renders with the allowed tags live.
 * With it: the choice is sent as JSON with fetch, newly allowed tags are activated in
 * place by privmw's activation script (the "privmw:consent" event), and the page is
 * reloaded only when something was taken back (a tag that already ran cannot be
 * un-run; the reloaded page comes back with it neutralised and its cookies expired).
 */
(function () {
  "use strict";
  var banner = document.getElementById("privacy-banner");
  var form = document.getElementById("privacy-form");
  var opener = document.getElementById("privacy-settings-link");
  var status = document.getElementById("privacy-status");
  if (!banner || !form || !window.fetch || !window.JSON) return;
  var endpoint = banner.getAttribute("data-endpoint");
  var heading = document.getElementById("privacy-banner-title");
  var main = document.getElementById("main");
  var allowed = (banner.getAttribute("data-allowed") || "").split(" ").filter(Boolean);
  var boxes = form.querySelectorAll('input[type="checkbox"][name]');
  var lastButton = null;
  var returnFocus = null;

  function say(text) { if (status) status.textContent = text; }

  function open(from) {
    returnFocus = from || null;
    banner.hidden = false;
    heading.focus();
  }

  function close() {
    banner.hidden = true;
    var target = returnFocus || main;
    returnFocus = null;
    if (target) target.focus();
  }

  function ensureWithdrawButton() {
    if (form.querySelector('button[value="withdraw"]')) return;
    var button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    button.value = "withdraw";
    button.className = "secondary";
    button.textContent = "Withdraw consent";
    form.querySelector(".actions").appendChild(button);
  }

  function send(action) {
    if (action === "withdraw") {
      return fetch(endpoint + "/withdraw", {
        method: "POST", credentials: "same-origin", headers: {"Accept": "application/json"}
      });
    }
    var body = {};
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      body[box.name] = action === "accept-all" ? true : action === "reject-all" ? false : box.checked;
    }
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(body)
    });
  }

  form.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.tagName === "BUTTON") lastButton = target;
  });

  form.addEventListener("submit", function (event) {
    var button = event.submitter || lastButton;
    var action = button && button.value ? button.value : "save";
    event.preventDefault();
    send(action).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (state) {
      var now = [], name;
      for (name in state.allowed) {
        if (Object.prototype.hasOwnProperty.call(state.allowed, name) && state.allowed[name]) {
          now.push(name);
        }
      }
      var revoked = allowed.filter(function (c) { return now.indexOf(c) < 0; });
      if (action === "withdraw" || revoked.length) {
        window.location.reload();
        return;
      }
      allowed = now;
      banner.setAttribute("data-allowed", now.join(" "));
      banner.setAttribute("data-decided", "true");
      for (var i = 0; i < boxes.length; i++) {
        boxes[i].checked = !!(state.consent && state.consent[boxes[i].name]);
      }
      ensureWithdrawButton();
      /* privmw's activation script (served at /privacy/privmw.js on pages with
         gated tags) listens for this event and revives the allowed tags in place. */
      document.dispatchEvent(new CustomEvent("privmw:consent", {detail: {categories: now}}));
      say(now.length ? "Saved. Allowed: " + now.join(", ") + "." : "Saved. Only necessary cookies are used.");
      close();
    }).catch(function () {
      /* Fall back to the plain form post: the server answers 303 to this page. */
      if (button) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "action";
        hidden.value = action;
        form.appendChild(hidden);
      }
      form.submit();
    });
  });

  if (opener) {
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      open(opener);
    });
  }

  banner.addEventListener("keydown", function (event) {
    /* Escape closes the banner when it was reopened; a first-visit banner stays
       until a choice is made (nothing is loaded meanwhile). */
    if (event.key === "Escape" && banner.getAttribute("data-decided") === "true") {
      event.preventDefault();
      close();
    }
  });
})();
