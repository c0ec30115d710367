// The phone simulator: drives /operator/simulator/calls over fetch/JSON; reads prompts aloud where it can.
(function () {
  "use strict";
  const phone = document.getElementById("phone");
  const base = phone.dataset.base;
  const csrf = phone.dataset.csrf;
  const transcript = document.getElementById("transcript");
  const ending = document.getElementById("ending");
  const keys = Array.from(document.querySelectorAll(".key"));
  const number = document.getElementById("sim-number");
  const byId = (id) => document.getElementById(id);
  const languages = new Set(Array.from(byId("sim-lang").options, (o) => o.value).filter(Boolean));
  let call = null;  // {setup, keys, shown}: the server replays the call from these when needed
  let queue = Promise.resolve();

  function post(body) {
    return fetch(base + "/run", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
    }).then((r) => r.json());
  }

  function speak(item) {
    if (!byId("sim-speak").checked) return Promise.resolve();
    if (item.audio) {
      return new Promise((done) => {
        const audio = new Audio("/static/audio/" + item.audio);
        audio.onended = audio.onerror = done;
        audio.play().catch(done);
      });
    }
    if (!("speechSynthesis" in window)) return Promise.resolve();
    const lang = item.language === "arb" ? "ar" : item.language;
    document.body.dataset.lastSpoken = lang;
    return new Promise((done) => {
      const utterance = new SpeechSynthesisUtterance(item.text);
      utterance.lang = lang;
      const voice = speechSynthesis.getVoices().find((v) => v.lang.replace("_", "-").startsWith(lang));
      if (voice) utterance.voice = voice;
      utterance.onend = utterance.onerror = done;
      speechSynthesis.speak(utterance);
      setTimeout(done, 200 + item.text.length * 90);  // never hang on a browser without voices
    });
  }

  function tag(language) {
    // a Say's voice language (de-DE, arb) or a clip's folder (uk/...); the hold music's folder is no language
    const lang = language === "arb" ? "ar" : (language || "");
    return languages.has(lang.split("-")[0]) ? lang : "";
  }

  function line(text, cls, lang, prefix) {
    const li = document.createElement("li");
    if (prefix) li.append(prefix);
    // <bdi>: an Arabic or Persian sentence keeps its own direction (the period and a number in their places)
    const said = document.createElement("bdi");
    said.textContent = text;
    li.append(said);
    if (cls) li.className = cls;
    if (tag(lang)) li.lang = tag(lang);
    transcript.appendChild(li);
    li.scrollIntoView({block: "nearest"});
  }

  const controls = () => [...keys, number, byId("sim-send"), byId("sim-wait"), byId("sim-answer"),
                          byId("sim-busy"), byId("sim-hangup")];

  function show(data) {
    if (data.error) { ending.textContent = data.error; call = null; return; }
    call.setup = data.setup;
    for (const turn of data.turns.slice(call.shown)) {
      for (const note of turn.notes || []) line(note, "dial");
      for (const item of turn.heard) {
        line(item.text, "heard", item.language, item.audio ? "♪ " + item.audio + "  " : "");
        queue = queue.then(() => speak(item));
      }
      if (turn.dialed) line("→ " + phone.dataset.tDialed + " " + turn.dialed, "dial");
      if (turn.queue) line("⇢ " + phone.dataset.tQueued + " " + turn.queue, "dial");
    }
    call.shown = data.turns.length;
    const waits = data.ending ? "end" : data.waits;
    keys.forEach((k) => { k.disabled = waits !== "keys"; });
    number.disabled = byId("sim-send").disabled = waits !== "number";
    byId("sim-wait").disabled = !(waits === "keys" || waits === "number" || waits === "record");
    byId("sim-answer").disabled = byId("sim-busy").disabled = waits !== "dial";
    byId("sim-hangup").disabled = waits === "end";
    if (data.ending) {
      ending.textContent = phone.dataset.tEnding + " " + data.ending;
      ending.dataset.kind = data.kind;
      call = null;
    }
  }

  function press(value) {
    if (call === null) return;
    line("> " + value, "pressed");
    controls().forEach((el) => { el.disabled = true; });  // one answer at a time, like a phone line
    call.keys.push(value);
    post({setup: call.setup, keys: call.keys}).then(show);
  }

  function hangUp() {
    if (call === null) return;
    controls().forEach((el) => { el.disabled = true; });
    post({setup: call.setup, keys: call.keys, hang_up: true}).then(show);
  }

  byId("call-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if ("speechSynthesis" in window) speechSynthesis.cancel();
    transcript.innerHTML = "";
    ending.textContent = "";
    delete ending.dataset.kind;
    const closed = Array.from(byId("sim-closed").selectedOptions).map((o) => o.value);
    const setup = {lang: byId("sim-lang").value, at: byId("sim-at").value, caller: byId("sim-caller").value,
                   closed, agents: byId("sim-agents").value};
    call = {setup, keys: [], shown: 0};
    post({setup, keys: []}).then(show);
  });
  keys.forEach((k) => k.addEventListener("click", () => press(k.dataset.key)));
  byId("sim-send").addEventListener("click", () => { press(number.value + "#"); number.value = ""; });
  byId("sim-wait").addEventListener("click", () => press("-"));
  byId("sim-answer").addEventListener("click", () => press("answered"));
  byId("sim-busy").addEventListener("click", () => press("no-answer"));
  byId("sim-hangup").addEventListener("click", hangUp);
}());
