// The operators' simulator: the menu graph (views and zoom) and the phone, which drives
// /operator/simulator/run over fetch/JSON and reads prompts aloud where it can.
(function () {
  "use strict";
  const graph = document.getElementById("graph");
  const frame = document.getElementById("flowgraph");
  const level = document.getElementById("zoom-level");
  let scale = 1;

  function natural(svg) {  // Graphviz sizes in pt: 1 pt = 4/3 CSS px
    const box = svg.viewBox.baseVal;
    return {width: box.width * 4 / 3, height: box.height * 4 / 3};
  }

  function zoom(to) {
    const svg = frame.querySelector("svg");
    if (!svg) return;
    const size = natural(svg);
    scale = Math.min(4, Math.max(0.2, to === "fit" ? Math.min(1, (frame.clientWidth - 2) / size.width) : to));
    svg.style.width = Math.round(size.width * scale) + "px";
    svg.style.height = Math.round(size.height * scale) + "px";
    level.textContent = Math.round(scale * 100) + " %";
  }

  function showView(view) {
    fetch(graph.dataset.url + "?view=" + encodeURIComponent(view), {credentials: "same-origin"})
      .then((r) => r.text())
      .then((html) => {
        frame.innerHTML = html;
        zoom(scale);
        frame.scrollTo(0, 0);
        const url = new URL(window.location.href);
        url.searchParams.set("view", view);
        history.replaceState(null, "", url);
      });
  }

  document.getElementById("graph-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showView(document.getElementById("graph-view").value);
  });
  document.getElementById("graph-view").addEventListener("change", (event) => showView(event.target.value));
  document.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => {
    const step = {in: scale * 1.25, out: scale / 1.25, reset: 1, fit: "fit"}[button.dataset.zoom];
    zoom(step);
  }));
  frame.addEventListener("keydown", (event) => {
    const step = {"+": scale * 1.25, "=": scale * 1.25, "-": scale / 1.25, "0": 1}[event.key];
    if (step !== undefined && !event.ctrlKey && !event.metaKey) { event.preventDefault(); zoom(step); }
  });
  frame.addEventListener("click", (event) => {  // a box of another menu: show that menu's view
    const link = event.target.closest("a");
    const href = link && (link.getAttribute("href") || link.getAttribute("xlink:href"));
    if (!href || !href.startsWith("?view=")) return;
    event.preventDefault();
    const view = decodeURIComponent(href.slice(6));
    document.getElementById("graph-view").value = view;
    showView(view);
  });
  zoom(1);

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

  function step() {  // one numbered step per answer of the hotline: what is heard, then what the caller did
    const li = document.createElement("li");
    li.className = "step";
    const said = document.createElement("ul");
    said.className = "said";
    li.append(said);
    transcript.appendChild(li);
    return said;
  }

  function line(list, text, cls, lang, prefix) {
    const li = document.createElement("li");
    if (prefix) li.append(prefix);
    // <bdi>: an Arabic or Persian sentence keeps its own direction (the period and a number in their places)
    const said = document.createElement("bdi");
    said.textContent = text;
    li.append(said);
    if (cls) li.className = cls;
    if (tag(lang)) li.lang = tag(lang);
    list.appendChild(li);
    li.scrollIntoView({block: "nearest"});
  }

  function acted(text, at) {  // the caller's action, in words, at the end of the last step
    const last = at || transcript.lastElementChild;
    if (!last) return;
    const p = document.createElement("p");
    p.className = "act";
    const who = document.createElement("span");
    who.textContent = phone.dataset.tYou + " ";
    p.append(who, text);
    last.append(p);
  }

  const controls = () => [...keys, number, byId("sim-send"), byId("sim-wait"), byId("sim-answer"),
                          byId("sim-busy"), byId("sim-hangup")];

  function show(data) {
    if (data.error) { ending.textContent = data.error; call = null; return; }
    call.setup = data.setup;
    const first = call.shown === 0;
    for (const [index, turn] of data.turns.slice(call.shown).entries()) {
      if (!turn.heard.length && !(turn.notes || []).length && !turn.dialed && !turn.queue) continue;
      const said = step();
      if (first && index === 1 && data.chosen) {  // the language the form chose, keyed in the language menu
        transcript.lastElementChild.previousElementSibling && acted(words(data.chosen),
                                                                    transcript.lastElementChild.previousElementSibling);
      }
      for (const note of turn.notes || []) line(said, note, "note");
      for (const item of turn.heard) {
        line(said, item.text, "heard", item.language, item.audio ? "♪ " + item.audio + "  " : "");
        queue = queue.then(() => speak(item));
      }
      if (turn.dialed) line(said, "→ " + phone.dataset.tDialed + " " + turn.dialed, "note dial");
      if (turn.queue) line(said, "⇢ " + phone.dataset.tQueued + " " + turn.queue, "note dial");
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

  function words(value) {
    const t = phone.dataset;
    if (value === "-") return t.tSilence;
    if (value === "answered") return t.tAnswered;
    if (value === "no-answer") return t.tNoAnswer;
    if (value.endsWith("#") && value.length > 1) return t.tNumber.replace("{number}", value.slice(0, -1));
    return t.tKey.replace("{key}", value);
  }

  function press(value) {
    if (call === null) return;
    acted(words(value));
    controls().forEach((el) => { el.disabled = true; });  // one answer at a time, like a phone line
    call.keys.push(value);
    post({setup: call.setup, keys: call.keys}).then(show);
  }

  function hangUp() {
    if (call === null) return;
    acted(phone.dataset.tHangup);
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
