// A voice message's play button (staff/_voice.html): one tab stop that plays and pauses the message, its name
// telling which it does next. Without script the download link plays it in the browser.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button.voice-play");
  for (var i = 0; i < buttons.length; i++) {
    (function (button) {
      var audio = document.getElementById(button.getAttribute("data-audio"));
      if (!audio || button.getAttribute("data-ready")) { return; }
      button.setAttribute("data-ready", "1");  // the partial may be on a page more than once: one handler each
      function show(playing) {
        button.textContent = (playing ? "❚❚ " : "▶ ") + button.getAttribute(playing ? "data-pause" : "data-play");
      }
      button.addEventListener("click", function () {
        if (audio.paused) { audio.play().catch(function () { show(false); }); } else { audio.pause(); }
      });
      audio.addEventListener("play", function () { show(true); });
      audio.addEventListener("pause", function () { show(false); });
      audio.addEventListener("ended", function () { show(false); });
      button.hidden = false;
    }(buttons[i]));
  }
}());
