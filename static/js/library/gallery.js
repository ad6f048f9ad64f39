// Gallery selection: tick crops (kept per category for the session, across pages and filter
// changes), then open the similarity matrix of the selection, export it (CSV, IIIF manifest),
// open it in the review queue, or pin it to a board (the board picker is an htmx fragment).

const root = () => document.getElementById("library");
const key = () => `library-selection-${root().dataset.category}`;

function load() {
  try { return new Set(JSON.parse(sessionStorage.getItem(key()) || "[]")); } catch { return new Set(); }
}

let selected = new Set();

function save() { sessionStorage.setItem(key(), JSON.stringify([...selected])); }

function withIds(href, ids) {
  const url = new URL(href, window.location.href);
  if (ids) url.searchParams.set("ids", ids); else url.searchParams.delete("ids");
  return url.pathname + url.search;
}

function refresh() {
  const el = root();
  if (!el) return;
  const ids = [...selected].join(",");
  document.getElementById("selection-count").textContent = `${selected.size} selected`;
  el.querySelectorAll(".crop-select").forEach((box) => {
    box.checked = selected.has(box.value);
    box.closest(".library-card-crop").classList.toggle("selected", box.checked);
  });
  el.querySelectorAll(".selection-action").forEach((action) => {
    if (action.tagName !== "A" || !action.getAttribute("href")) return;
    action.setAttribute("href", withIds(action.getAttribute("href"), ids));
    const needsSelection = action.dataset.action === "matrix" || action.dataset.action === "review";
    action.classList.toggle("disabled", needsSelection && !ids);
  });
}

function init() {
  if (!root()) return;
  selected = load();
  refresh();
}

document.addEventListener("change", (event) => {
  const box = event.target.closest(".crop-select");
  if (!box) return;
  event.stopPropagation(); // not a filter change
  if (box.checked) selected.add(box.value); else selected.delete(box.value);
  save();
  refresh();
}, true);

// A selection action with a picker (Pin to board, Add to style set): its data-picker-url
// answers an htmx fragment for `elements=<ids>`, shown in the action's [data-picker-slot].
function openPicker(button) {
  const slot = button.parentElement.querySelector("[data-picker-slot]");
  const ids = [...selected].join(",");
  if (!ids) {
    slot.textContent = "Select crops first.";
    return;
  }
  const query = new URLSearchParams({ elements: ids }).toString();
  htmx.ajax("GET", `${button.dataset.pickerUrl}?${query}`, { target: slot, swap: "innerHTML" });
}

document.addEventListener("click", (event) => {
  const picker = event.target.closest(".selection-action[data-picker-url]");
  if (picker) {
    openPicker(picker);
    return;
  }
  if (event.target.closest(".select-page")) {
    root().querySelectorAll(".crop-select").forEach((box) => selected.add(box.value));
  } else if (event.target.closest(".clear-selection")) {
    selected.clear();
  } else {
    return;
  }
  save();
  refresh();
});

init();
document.body.addEventListener("htmx:afterSettle", init);
