// The top bar's status: asked for again every few seconds, so a pause the service set (a missed call) or the end
// of the wrap-up shows without a reload. No other host, no library.
(function () {
  "use strict";
  var form = document.getElementById("status-control");
  var now = document.getElementById("status-now");
  if (!form || !now || !window.fetch) { return; }
  var seconds = Math.max(5, parseInt(form.getAttribute("data-poll"), 10) || 15);

  function show(mine) {
    now.textContent = mine.label;
    now.className = "status-now state-" + mine.state;
    now.setAttribute("data-state", mine.state);
    var buttons = form.querySelectorAll("button.status-choice");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].value === mine.status ? "true" : "false");
    }
  }

  function ask() {
    if (document.visibilityState === "hidden") { return; }
    fetch(form.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (mine) { if (mine) { show(mine); } })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }

  window.setInterval(ask, seconds * 1000);
  document.addEventListener("visibilitychange", ask);
}());
