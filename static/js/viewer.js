/* Dunhuang Search mural viewer: OpenSeadragon over IIIF, with the modules of ./viewer/ for the
 * element overlays, the details panel, box drawing and the similar-elements panel.
 *
 * Reads its settings from <script id="viewer-config" type="application/json">.
 * Contract for other pages and later features:
 *   - document event "mural:boxdrawn", detail {mural, x, y, w, h} (full-resolution mural pixels)
 *   - #drawn-box shows "x, y, w, h" and carries data-x, data-y, data-w, data-h
 *   - ?box=x,y,w,h and ?element=<id> zoom to and highlight a box (resolved server-side)
 *   - window.muralViewer: {viewer, config, focusBox(box), selectElement(id), setDrawing(bool),
 *     reloadElements()}
 *   - document event "mural:indexfinished", detail {mural, job, state} (sent by the polled
 *     index-status partial through HX-Trigger) reloads the element boxes
 */

import { createDetailsPanel } from "./viewer/details.js";
import { createBoxDrawing } from "./viewer/drawing.js";
import { createOverlay } from "./viewer/overlays.js";
import { connectSearchPanel } from "./viewer/search-panel.js";

const config = JSON.parse(document.getElementById("viewer-config").textContent);
const container = document.getElementById("osd");

const viewer = OpenSeadragon({
  element: container,
  prefixUrl: container.dataset.prefixUrl,
  tileSources: config.infoUrl,
  showNavigator: true,
  navigatorPosition: "BOTTOM_RIGHT",
  drawer: "canvas",
  autoHideControls: false,
  showRotationControl: false,
  showFlipControl: false,
  maxZoomPixelRatio: 2,
  visibilityRatio: 0.5,
  animationTime: 0.6,
  gestureSettingsMouse: { clickToZoom: true, dblClickToZoom: true },
});

const overlay = createOverlay(viewer, config, {
  status: document.getElementById("overlay-status"),
  boxesToggle: document.getElementById("toggle-boxes"),
  legendInputs: document.querySelectorAll("input[data-legend-category]"),
  legend: document.querySelector("section.legend"),
});
const focusMarker = overlay.marker("focus-box");

/* ---- zooming to a box (deep links, details) ---- */

function zoomTo(box, immediately) {
  const margin = Math.max(box.w, box.h) * 0.6 + 16;
  const rect = viewer.viewport.imageToViewportRectangle(
    box.x - margin, box.y - margin, box.w + 2 * margin, box.h + 2 * margin);
  viewer.viewport.fitBoundsWithConstraints(rect, Boolean(immediately));
}

function focusBox(box, immediately) {
  if (Array.isArray(box)) box = { x: box[0], y: box[1], w: box[2], h: box[3] };
  focusMarker.show(box);
  zoomTo(box, immediately);
}

viewer.addHandler("open", () => {
  if (config.focus) focusBox(config.focus.box, true);
  container.dataset.opened = "true";
});
viewer.addHandler("open-failed", (event) => {
  overlay.setStatus(`The mural image could not be opened (${event.message}).`, true);
});

/* ---- selection, box drawing, similar elements ---- */

const details = createDetailsPanel(document.getElementById("element-details"), config, {
  overlay, zoomTo,
});
const drawing = createBoxDrawing(viewer, config, {
  button: document.getElementById("draw-box"),
  panel: document.getElementById("drawn-box-panel"),
  output: document.getElementById("drawn-box"),
  marker: overlay.marker("drawn-rect"),
  container,
});
connectSearchPanel();

viewer.addHandler("canvas-click", (event) => {
  if (drawing.active || !event.quick) return;
  const el = overlay.elementAt(event.position);
  if (el) {
    event.preventDefaultAction = true; // select rather than zoom in
    details.select(el.id);
  }
});

new OpenSeadragon.MouseTracker({
  element: viewer.canvas,
  moveHandler: (event) => {
    if (drawing.active) return;
    container.classList.toggle("over-box", Boolean(overlay.elementAt(event.position)));
  },
});

/* ---- the element boxes: loaded now, and again when an index job ends ---- */

async function loadElements() {
  const loaded = await overlay.load();
  if (loaded && config.focus && config.focus.kind === "element") {
    details.select(config.focus.element);
  }
}

function reloadElements() {
  details.select(null);
  overlay.clear();
  return loadElements();
}

document.addEventListener("mural:indexfinished", (event) => {
  if (event.detail && event.detail.mural === config.mural) reloadElements();
});

window.muralViewer = {
  viewer,
  config,
  focusBox: (box) => focusBox(box, false),
  selectElement: details.select,
  setDrawing: drawing.setDrawing,
  reloadElements,
};

loadElements();
