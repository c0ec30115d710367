// The supervisors' live page: its figures asked for again every few seconds (no reload, no other host).
(function () {
  "use strict";
  var stamp = document.getElementById("live-stamp");
  if (!stamp || !window.fetch) { return; }
  var url = stamp.getAttribute("data-url");
  var seconds = Math.max(5, parseInt(stamp.getAttribute("data-poll"), 10) || 5);
  var at = document.getElementById("live-at");
  var problem = document.getElementById("live-problem");

  function field(data, path) {
    var value = data;
    var parts = path.split(".");
    for (var i = 0; i < parts.length && value !== undefined && value !== null; i++) { value = value[parts[i]]; }
    return value;
  }

  function languages(list, items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!items.length) { items = [{name: list.getAttribute("data-empty"), count: null}]; }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.count === null ? item.name : item.name + ": " + item.count;
      list.appendChild(li);
    });
  }

  function show(live) {
    at.textContent = live.at;
    problem.textContent = "";
    live.desks.forEach(function (desk) {
      var card = document.querySelector('[data-desk="' + desk.id + '"]');
      if (!card) { return; }
      card.querySelectorAll("[data-field]").forEach(function (el) {
        var value = field(desk, el.getAttribute("data-field"));
        if (value !== undefined && value !== null) { el.textContent = String(value); }
      });
      card.querySelectorAll("[data-list=waiting_by_language]").forEach(function (list) {
        languages(list, desk.waiting_by_language || []);
      });
    });
  }

  function ask() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(show)
      .catch(function () { problem.textContent = stamp.getAttribute("data-stale"); });
  }

  window.setInterval(ask, seconds * 1000);
}());
