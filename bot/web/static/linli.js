// Linli's pages work without this script; it adds signing in from the chat, the live
// figures of a vote, and conditional questions appearing as they are answered.
"use strict";

function signIn() {
  const form = document.getElementById("signin");
  if (!form || !location.hash) return;
  const hash = location.hash.slice(1);
  const launch = new URLSearchParams(hash).get("tgWebAppData");
  history.replaceState(null, "", location.pathname); // the credential leaves the address bar
  if (launch) {
    form.action = form.dataset.root + "/signin/telegram";
    form.elements.init_data.value = launch;
  } else {
    form.elements.token.value = hash;
  }
  form.querySelector(".waiting").hidden = false;
  form.submit();
}

function showFigures(data) {
  for (const decision of data.decisions) {
    const heading = document.querySelector(`[data-heading="${decision.question}"]`);
    if (heading) heading.textContent = decision.heading;
    for (const bar of decision.bars) {
      const figure = document.querySelector(`[data-bar="${bar.key}"]`);
      if (!figure) continue;
      figure.querySelector(".fill").setAttribute("width", (bar.share * 100).toFixed(2));
      figure.querySelector("figcaption").lastChild.textContent = bar.text;
      figure.classList.toggle("met", bar.met);
      figure.dataset.share = String(bar.share);
    }
  }
  const states = ["answered", "pending", "objected"].map((name) => [name, new Set(data[name])]);
  for (const flat of document.querySelectorAll("[data-flat]")) {
    for (const [name, flats] of states) {
      flat.classList.toggle(name, flats.has(Number(flat.dataset.flat)));
    }
  }
  const turnout = document.getElementById("answered");
  if (turnout) turnout.textContent = String(data.tally.participation.answered_flats);
  const text = document.getElementById("tally-text");
  if (text) text.textContent = data.text;
}

function followFigures() {
  const live = document.querySelector("[data-live]");
  if (!live) return;
  const poll = async () => {
    try {
      const response = await fetch(live.dataset.live, { credentials: "same-origin" });
      if (response.ok) showFigures(await response.json());
    } finally {
      setTimeout(poll, 2000);
    }
  };
  setTimeout(poll, 2000);
}

function chosen(fieldset) {
  return new Set(
    [...fieldset.querySelectorAll("input:checked, select")].map((input) => input.value)
  );
}

function showQuestions() {
  const form = document.querySelector("form.questions");
  if (!form) return;
  const update = () => {
    for (const fieldset of form.querySelectorAll("fieldset[data-show-question]")) {
      const on = document.getElementById("q-" + fieldset.dataset.showQuestion);
      const answers = fieldset.dataset.showAnswers.split(" ");
      fieldset.hidden = !on || on.hidden || !answers.some((a) => chosen(on).has(a));
    }
  };
  form.addEventListener("change", update);
  update();
}

signIn();
followFigures();
showQuestions();
