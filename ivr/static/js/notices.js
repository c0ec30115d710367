// The notices page: "listen" plays what a caller in that language hears of the text typed (recorded clips as
// files; a Twilio voice's text read by the browser's own voice as a preview, with the Twilio voice named).
(function () {
  "use strict";
  const root = document.getElementById("notices");
  let playing = Promise.resolve();

  function clip(url) {
    return new Promise((done) => {
      const audio = new Audio(url);
      audio.onended = audio.onerror = done;
      audio.play().catch(done);
    });
  }

  function preview(text, lang) {
    if (!("speechSynthesis" in window)) return Promise.resolve();
    return new Promise((done) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang === "arb" ? "ar" : lang;
      utterance.onend = utterance.onerror = done;
      speechSynthesis.speak(utterance);
      setTimeout(done, 200 + text.length * 90);  // never hang on a browser without voices
    });
  }

  function show(list, items, lang) {
    list.textContent = "";
    for (const item of items) {
      const li = document.createElement("li");
      const said = document.createElement("bdi");
      said.textContent = item.text;
      said.lang = lang;
      li.append((item.audio ? root.dataset.tRecorded : root.dataset.tVoice.replace("{voice}", item.voice)) + " ");
      li.append(said);
      li.dataset.audio = item.audio || "";
      li.dataset.voice = item.voice || "";
      list.append(li);
      playing = playing.then(() => (item.audio ? clip(item.audio) : preview(item.text, item.tts)));
    }
  }

  document.querySelectorAll("button.listen").forEach((button) => {
    button.addEventListener("click", () => {
      const text = document.getElementById(button.dataset.for).value;
      const list = document.querySelector(`ul.heard[data-for="${button.dataset.for}"]`);
      const query = new URLSearchParams({kind: button.dataset.kind, lang: button.dataset.lang, text});
      if ("speechSynthesis" in window) speechSynthesis.cancel();
      playing = Promise.resolve();
      fetch(root.dataset.hear + "?" + query, {credentials: "same-origin"})
        .then((r) => r.json())
        .then((data) => show(list, data.items || [], button.dataset.lang));
    });
  });
}());
