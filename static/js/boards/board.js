// The board page: drag items between lanes and into or out of the undated tray (HTML5 drag
// and drop), each move saved through the REST API (PATCH .../items/<id>/ {lane}) with CSRF.
// A refused move puts the item back and says why.

const config = JSON.parse(document.getElementById("board-config").textContent);
const status = document.getElementById("board-status");

function csrfToken() {
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  return headers["X-CSRFToken"] || "";
}

function say(text) {
  if (status) status.textContent = text;
}

function zoneOf(element) {
  return element.closest(".lane, .tray");
}

function containerOf(zone) {
  return zone.querySelector(".lane-track, .tray-items");
}

async function saveMove(itemId, laneId) {
  const response = await fetch(config.itemUrl.replace("{id}", itemId), {
    method: "PATCH",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify({ lane: laneId === "" ? null : Number(laneId) }),
  });
  if (!response.ok) {
    let message = `${response.status}`;
    try {
      message = (await response.json()).error || message;
    } catch (_) {
      /* not JSON */
    }
    throw new Error(message);
  }
  return response.json();
}

function wire() {
  if (!config.canEdit) return;
  let dragged = null;
  document.querySelectorAll(".board-item[draggable=true]").forEach((item) => {
    item.addEventListener("dragstart", (event) => {
      dragged = item;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.itemId);
      item.classList.add("dragging");
    });
    item.addEventListener("dragend", () => {
      item.classList.remove("dragging");
      dragged = null;
    });
  });
  document.querySelectorAll(".lane, .tray").forEach((zone) => {
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      zone.classList.add("drop-target");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("drop-target"));
    zone.addEventListener("drop", async (event) => {
      event.preventDefault();
      zone.classList.remove("drop-target");
      const item = dragged || document.querySelector(
        `.board-item[data-item-id="${event.dataTransfer.getData("text/plain")}"]`);
      if (!item || zoneOf(item) === zone) return;
      const from = item.parentElement;
      containerOf(zone).appendChild(item);
      const name = zone.querySelector("h3")?.textContent.trim() || "the tray";
      say(`Moving to ${name}…`);
      try {
        await saveMove(item.dataset.itemId, zone.dataset.laneId);
        item.dataset.saved = zone.dataset.laneId;
        say(`Moved to ${name}.`);
      } catch (error) {
        from.appendChild(item);
        say(`Not moved: ${error.message}`);
      }
    });
  });
}

wire();
