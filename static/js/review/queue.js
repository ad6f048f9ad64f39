/* The review queue's keys and buttons: a accept, r reject, u skip, 1-9 relabel, z undo,
 * e adjust the box in place (box-editor.js), v open in the viewer, x select, s accept the
 * similar ones, Shift+A accept the rest of the mural, h history, ? the keys. Every action is a
 * REST call (review/api.py) carrying the version the card showed; a 409 shows the element's
 * current state on the card. When every card is done, the next ones are fetched (htmx), never a
 * page reload.
 */

import { drawCardBox, editBox } from "./box-editor.js";

const config = JSON.parse(document.getElementById("review-config").textContent);
const queueBox = document.getElementById("review-queue");
const message = document.getElementById("review-message");
const help = document.getElementById("review-help");
const skipped = new Set();
const undoStack = [];
let current = null;
let editor = null; // the box being adjusted in place, if any
let saving = false;

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    return "";
  }
}

const url = (template, id) => template.replace("{id}", String(id));

async function call(method, target, body) {
  const options = {
    method,
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    credentials: "same-origin",
  };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(target, options);
  let data = {};
  try {
    data = await response.json();
  } catch (error) {
    data = { error: `the server answered ${response.status}` };
  }
  return { ok: response.ok, status: response.status, data };
}

const cards = () => Array.from(queueBox.querySelectorAll(".review-card"));
const waiting = () => cards().filter((c) => !c.classList.contains("done") && !skipped.has(c.dataset.elementId));

function say(text) {
  message.textContent = text;
}

function focus(card) {
  if (editor && editor.card !== card) stopEditing();
  if (current) current.classList.remove("current");
  current = card || null;
  if (current) {
    current.classList.add("current");
    current.focus({ preventScroll: true });
    current.scrollIntoView({ block: "nearest" });
  }
}

function filtersQuery() {
  const form = document.getElementById("review-filters");
  const params = new URLSearchParams(new FormData(form));
  for (const [key, value] of Array.from(params.entries())) if (!value) params.delete(key);
  if (skipped.size) params.set("skip", Array.from(skipped).join(","));
  return params.toString();
}

function refreshProgress() {
  const progress = document.getElementById("review-progress");
  if (progress && window.htmx) window.htmx.trigger(progress, "refresh");
}

function loadMore() {
  if (!window.htmx) return;
  window.htmx.ajax("GET", `${config.cardsUrl}?${filtersQuery()}`, { target: "#review-queue", swap: "innerHTML" });
}

function next() {
  const rest = waiting();
  if (!rest.length) {
    if (cards().length) loadMore(); // this batch is done: fetch the next one
    return;
  }
  const all = cards();
  const after = current ? rest.find((c) => all.indexOf(c) > all.indexOf(current)) : null;
  focus(after || rest[0]);
}

function show(card, element) {
  card.dataset.version = String(element.version);
  card.dataset.state = element.state;
  card.querySelector("[data-state-label]").textContent = element.state;
  if (element.category !== undefined) {
    const label = document.querySelector(`#review-categories [data-slug="${element.category}"]`);
    const name = label ? label.textContent.replace(/^\s*\d+\s*/, "").trim() : element.category || "Uncategorised";
    card.querySelector("[data-category]").textContent = name;
  }
  card.classList.toggle("done", element.state !== "unreviewed");
  if (element.bbox) {
    card.dataset.bbox = element.bbox.join(",");
    if (!editor || editor.card !== card) drawCardBox(card);
  }
}

async function review(card, change, advance) {
  if (!card) return;
  const id = card.dataset.elementId;
  const result = await call("POST", url(config.reviewUrl, id), { ...change, version: Number(card.dataset.version) });
  const note = card.querySelector("[data-message]");
  if (result.status === 409) {
    show(card, result.data.current);
    note.textContent = `Changed by someone else: now ${result.data.current.state}. Review again if needed.`;
    return result;
  }
  if (!result.ok) {
    note.textContent = result.data.error || `failed (${result.status})`;
    return result;
  }
  note.textContent = "";
  show(card, result.data.element);
  undoStack.push(card);
  refreshProgress();
  if (advance) next();
  return result;
}

/* ---- the box, adjusted in place: Enter or "Save" sends it, Escape or "Cancel" drops it ---- */

function stopEditing() {
  if (!editor) return;
  const done = editor;
  editor = null;
  done.close();
}

async function saveBox(card, bbox) {
  if (saving) return;
  if (bbox.join(",") === card.dataset.bbox) {
    stopEditing();
    say("The box is unchanged.");
    return;
  }
  saving = true;
  try {
    const result = await review(card, { bbox }, false);
    // a refusal (400) keeps the handles so that the box can be fixed; a 409 shows the new box
    if (result && (result.ok || result.status === 409)) stopEditing();
    if (result && result.ok) say(`Box of element ${card.dataset.elementId} saved: ${bbox.join(", ")}.`);
  } finally {
    saving = false;
  }
}

function adjust(card) {
  if (!card || editor) return;
  focus(card);
  card.querySelector("[data-message]").textContent = "";
  editor = editBox(card, { onSave: (bbox) => saveBox(card, bbox), onCancel: stopEditing });
}

async function undo() {
  const card = undoStack.pop();
  if (!card) {
    say("Nothing to undo.");
    return;
  }
  const result = await call("POST", url(config.undoUrl, card.dataset.elementId), { version: Number(card.dataset.version) });
  if (!result.ok) {
    say(result.data.error || `undo failed (${result.status})`);
    if (result.status === 409) show(card, result.data.current);
    return;
  }
  show(card, result.data.element);
  say(`Undone: element ${card.dataset.elementId} is ${result.data.element.state} again.`);
  refreshProgress();
  focus(card);
}

async function batch(ids, state, what) {
  if (!ids.length) {
    say(`No ${what} to review.`);
    return;
  }
  if (!window.confirm(`${state === "accepted" ? "Accept" : "Reject"} ${ids.length} ${what}?`)) return;
  const result = await call("POST", config.batchUrl, { ids, state });
  if (!result.ok) {
    say(result.data.error || `batch failed (${result.status})`);
    return;
  }
  const done = new Set(result.data.reviewed.map(String));
  for (const card of cards()) {
    if (done.has(card.dataset.elementId)) {
      show(card, { state, version: Number(card.dataset.version) + 1 });
      card.classList.remove("selected");
      card.querySelector("[data-select]").checked = false;
    }
  }
  say(`${result.data.reviewed.length} reviewed, ${result.data.skipped.length} skipped (reviewed meanwhile).`);
  refreshProgress();
  next();
}

async function acceptSimilar(card) {
  if (!card) return;
  const threshold = document.getElementById("similar-threshold").value || "0.8";
  const result = await call("GET", `${url(config.similarUrl, card.dataset.elementId)}?threshold=${threshold}`);
  if (!result.ok) {
    say(result.data.error || `failed (${result.status})`);
    return;
  }
  await batch(result.data.ids, "accepted", `similar elements (similarity ≥ ${threshold})`);
}

async function acceptMural(card) {
  if (!card) return;
  const result = await call("GET", url(config.muralUrl, card.dataset.elementId));
  if (!result.ok) {
    say(result.data.error || `failed (${result.status})`);
    return;
  }
  await batch(result.data.ids, "accepted", "remaining elements of this mural");
}

function toggleSelect(card) {
  if (!card) return;
  const box = card.querySelector("[data-select]");
  box.checked = !box.checked;
  card.classList.toggle("selected", box.checked);
}

function relabel(digit) {
  const item = document.querySelectorAll("#review-categories [data-slug]")[digit - 1];
  if (item && current) review(current, { category: item.dataset.slug }, false);
}

const KEYS = {
  a: () => review(current, { state: "accepted" }, true),
  r: () => review(current, { state: "rejected" }, true),
  u: () => {
    if (current) skipped.add(current.dataset.elementId);
    next();
  },
  z: undo,
  x: () => toggleSelect(current),
  s: () => acceptSimilar(current),
  A: () => acceptMural(current),
  e: () => adjust(current),
  v: () => current && window.open(current.dataset.viewerUrl, "_blank", "noopener"),
  h: () => current && current.querySelector("[data-history]").click(),
  "?": () => (help.open ? help.close() : help.showModal()),
};

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, select, textarea")) return;
  if (editor) {
    // while a box is adjusted, only its keys count (a stray `a` must not review the card)
    if (editor.key(event)) event.preventDefault();
    return;
  }
  if (/^[1-9]$/.test(event.key)) {
    relabel(Number(event.key));
    event.preventDefault();
    return;
  }
  const action = KEYS[event.key];
  if (action) {
    action();
    event.preventDefault();
  }
});

queueBox.addEventListener("click", (event) => {
  const card = event.target.closest(".review-card");
  if (!card) return;
  const button = event.target.closest("[data-action]");
  if (event.target.matches("[data-select]")) {
    card.classList.toggle("selected", event.target.checked);
    return;
  }
  const edit = event.target.closest("[data-edit-action]");
  if (edit && editor && editor.card === card) {
    if (edit.dataset.editAction === "save") editor.save();
    else editor.cancel();
    return;
  }
  focus(card);
  if (!button) return;
  if (button.dataset.action === "similar") acceptSimilar(card);
  else if (button.dataset.action === "adjust") adjust(card);
  else review(card, { state: button.dataset.action }, true);
});

for (const button of document.querySelectorAll("[data-batch]")) {
  button.addEventListener("click", () => {
    const ids = cards().filter((c) => c.querySelector("[data-select]").checked).map((c) => Number(c.dataset.elementId));
    batch(ids, button.dataset.batch, "selected elements");
  });
}

document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target === queueBox) {
    editor = null; // its card is gone
    current = null;
    next();
  }
});

document.getElementById("review-filters").addEventListener("change", () => skipped.clear());

focus(waiting()[0]);
