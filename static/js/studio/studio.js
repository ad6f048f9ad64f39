/* The restoration studio: the region on the deep-zoom viewer (OpenSeadragon over IIIF), mask
 * tools (brush, eraser, 1-3 clicks, auto-suggested losses), a method picker and a run whose
 * progress is polled (the job-status partial, htmx), then the before/after view.
 *
 * Reads its settings from <script id="studio-config" type="application/json">:
 * {mural, element, region: [x, y, w, h], infoUrl, restorationsUrl, masksUrl, jobStatusUrl}.
 * window.studio: {viewer, mask, config} (for tests and later features).
 */

import { createMaskLayer } from "./mask.js";

const config = JSON.parse(document.getElementById("studio-config").textContent);
const container = document.getElementById("studio-osd");
const status = document.getElementById("mask-status");
const jobStatus = document.getElementById("job-status");
const [rx, ry, rw, rh] = config.region;
const GESTURES = ["gestureSettingsMouse", "gestureSettingsTouch", "gestureSettingsPen"];

const viewer = OpenSeadragon({
  element: container,
  prefixUrl: container.dataset.prefixUrl,
  tileSources: config.infoUrl,
  showNavigator: false,
  drawer: "canvas",
  autoHideControls: false,
  showRotationControl: false,
  maxZoomPixelRatio: 4,
  visibilityRatio: 0.2,
  animationTime: 0.3,
  gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: false },
});

let mask = null;
let tool = "pan";
let last = null; // the previous point of a brush stroke (image coordinates)
const clicks = []; // region coordinates
const clickMarkers = [];

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    return "";
  }
}

function brushRadius() {
  return Number(document.getElementById("brush-size").value) / 2;
}

function showLost() {
  const n = mask.lostPixels();
  status.dataset.lost = String(n);
  const share = ((100 * n) / (rw * rh)).toFixed(1);
  status.textContent = n ? `${n.toLocaleString()} px marked lost (${share}%)` : "No mask yet";
}

function setTool(name) {
  tool = name;
  const painting = name !== "pan";
  container.classList.toggle("painting", painting);
  for (const key of GESTURES) {
    if (viewer[key]) viewer[key].dragToPan = !painting;
  }
}

const toImage = (position) => viewer.viewport.viewerElementToImageCoordinates(position);

viewer.addOnceHandler("open", () => {
  const margin = Math.max(rw, rh) * 0.08;
  const bounds = viewer.viewport.imageToViewportRectangle(
    rx - margin, ry - margin, rw + 2 * margin, rh + 2 * margin);
  viewer.viewport.fitBounds(bounds, true);
  mask = createMaskLayer(viewer, config.region);
  window.studio = { viewer, mask, config };
  container.dataset.ready = "true";
});

viewer.addHandler("canvas-press", (event) => {
  if (!mask || (tool !== "brush" && tool !== "eraser")) return;
  last = toImage(event.position);
  mask.stroke(last, last, brushRadius(), tool === "eraser");
});

viewer.addHandler("canvas-drag", (event) => {
  if (!mask || !last || (tool !== "brush" && tool !== "eraser")) return;
  event.preventDefaultAction = true;
  const point = toImage(event.position);
  mask.stroke(last, point, brushRadius(), tool === "eraser");
  last = point;
});

viewer.addHandler("canvas-release", () => {
  if (last) {
    last = null;
    showLost();
  }
});

viewer.addHandler("canvas-click", (event) => {
  if (tool === "pan") return;
  event.preventDefaultAction = true;
  if (tool !== "clicks" || !event.quick) return;
  const point = mask.toRegion(toImage(event.position));
  if (point.x < 0 || point.y < 0 || point.x >= rw || point.y >= rh) return;
  if (clicks.length === 3) {
    clicks.shift();
    viewer.removeOverlay(clickMarkers.shift());
  }
  clicks.push([Math.round(point.x), Math.round(point.y)]);
  const marker = document.createElement("div");
  marker.className = "click-marker";
  viewer.addOverlay({
    element: marker,
    location: viewer.viewport.imageToViewportCoordinates(point.x + rx, point.y + ry),
    placement: OpenSeadragon.Placement.CENTER,
  });
  clickMarkers.push(marker);
  document.getElementById("grow-clicks").disabled = false;
});

async function proposeMask(body) {
  status.textContent = "Working…";
  const response = await fetch(config.masksUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ mural: config.mural, bbox: config.region.join(","), ...body }),
  });
  if (!response.ok) {
    status.textContent = (await response.json()).error;
    return;
  }
  await mask.addMask(await response.blob());
  showLost();
}

document.querySelectorAll("input[name=tool]").forEach((input) => {
  input.addEventListener("change", () => setTool(input.value));
});
document.getElementById("brush-size").addEventListener("input", (event) => {
  document.getElementById("brush-size-value").textContent = event.target.value;
});
document.getElementById("clear-mask").addEventListener("click", () => {
  mask.clear();
  showLost();
});
document.getElementById("suggest-losses").addEventListener("click", () => {
  proposeMask({ suggest: true });
});
document.getElementById("grow-clicks").addEventListener("click", async () => {
  await proposeMask({ clicks });
  clicks.length = 0;
  while (clickMarkers.length) viewer.removeOverlay(clickMarkers.pop());
  document.getElementById("grow-clicks").disabled = true;
});

function showError(message) {
  jobStatus.innerHTML = "";
  const p = document.createElement("p");
  p.className = "notice error";
  p.setAttribute("role", "alert");
  p.textContent = message;
  jobStatus.append(p);
}

document.getElementById("restore-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const data = new FormData();
  data.append("method", form.method.value);
  if (form.model.value) data.append("model", form.model.value);
  if (form.seed.value) data.append("seed", form.seed.value);
  data.append("mural", config.mural);
  data.append("bbox", config.region.join(","));
  if (config.element) data.append("element", config.element);
  if (form.simulate.value) {
    const [kind, level] = form.simulate.value.split(":");
    data.append("simulated", JSON.stringify({ kind, level, seed: Number(form.seed.value || 0) }));
  } else {
    data.append("mask", await mask.toBlob(), "mask.png");
  }
  const response = await fetch(config.restorationsUrl, {
    method: "POST", headers: { "X-CSRFToken": csrfToken() }, body: data,
  });
  const body = await response.json();
  if (!response.ok) {
    showError(body.error || `the restoration was refused (${response.status})`);
    return;
  }
  const url = config.jobStatusUrl.replace("{id}", body.id);
  await htmx.ajax("GET", url, { target: "#job-status", swap: "innerHTML" });
});

setTool("pan");
