/* Dunhuang Search mural viewer: OpenSeadragon over IIIF, element boxes, box drawing.
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
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const MAX_ELEMENTS = 20000; // boxes fetched per mural; the legend still counts them all
  const MIN_DRAG_PX = 3; // a drag shorter than this on screen is a click, not a box

  const config = JSON.parse(document.getElementById("viewer-config").textContent);
  const container = document.getElementById("osd");
  const statusLine = document.getElementById("overlay-status");
  const drawButton = document.getElementById("draw-box");
  const drawnPanel = document.getElementById("drawn-box-panel");
  const drawnBox = document.getElementById("drawn-box");
  const detailsPanel = document.getElementById("element-details");
  const boxesToggle = document.getElementById("toggle-boxes");

  const elements = []; // as in elements.json
  const elementsById = new Map();
  const rectsById = new Map();
  const hiddenCategories = new Set();
  let selectedId = null;
  let drawing = false;
  let dragStart = null; // {image: Point, screen: Point} while a box is being dragged

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

  /* ---- the SVG overlay, in full-resolution mural pixels ---- */

  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "mural-overlay");
  svg.setAttribute("aria-hidden", "true");
  const world = document.createElementNS(SVG_NS, "g"); // transformed: image px -> screen px
  world.setAttribute("class", "overlay-world");
  const boxesLayer = document.createElementNS(SVG_NS, "g");
  boxesLayer.setAttribute("class", "overlay-boxes");
  const focusRect = makeRect("focus-box");
  const drawnRect = makeRect("drawn-rect");
  focusRect.style.display = "none";
  drawnRect.style.display = "none";
  world.append(boxesLayer, focusRect, drawnRect);
  svg.appendChild(world);
  viewer.canvas.appendChild(svg);

  function makeRect(className) {
    const rect = document.createElementNS(SVG_NS, "rect");
    rect.setAttribute("class", className);
    rect.setAttribute("vector-effect", "non-scaling-stroke");
    return rect;
  }

  function setRect(rect, box) {
    rect.setAttribute("x", box.x);
    rect.setAttribute("y", box.y);
    rect.setAttribute("width", box.w);
    rect.setAttribute("height", box.h);
  }

  function updateOverlayTransform() {
    const item = viewer.world.getItemAt(0);
    if (!item) return;
    const origin = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
    const corner = item.imageToViewerElementCoordinates(
      new OpenSeadragon.Point(config.width, config.height));
    const scale = (corner.x - origin.x) / config.width;
    world.setAttribute("transform", `translate(${origin.x} ${origin.y}) scale(${scale})`);
  }

  viewer.addHandler("update-viewport", updateOverlayTransform);
  viewer.addHandler("resize", updateOverlayTransform);

  function categoryGroup(slug) {
    let group = boxesLayer.querySelector(`g[data-category="${CSS.escape(slug)}"]`);
    if (!group) {
      group = document.createElementNS(SVG_NS, "g");
      group.setAttribute("data-category", slug);
      group.style.display = hiddenCategories.has(slug) ? "none" : "";
      boxesLayer.appendChild(group);
    }
    return group;
  }

  function addElements(batch) {
    const groups = new Map();
    for (const el of batch) {
      if (elementsById.has(el.id)) continue;
      elements.push(el);
      elementsById.set(el.id, el);
      const rect = makeRect("element-box");
      setRect(rect, el);
      rect.setAttribute("stroke", el.color);
      rect.setAttribute("fill", el.color);
      rect.dataset.elementId = el.id;
      rect.dataset.category = el.category;
      if (el.review_state === "rejected") rect.classList.add("rejected");
      if (el.source === "manual") rect.classList.add("manual");
      rectsById.set(el.id, rect);
      if (!groups.has(el.category)) groups.set(el.category, document.createDocumentFragment());
      groups.get(el.category).appendChild(rect);
    }
    for (const [slug, fragment] of groups) categoryGroup(slug).appendChild(fragment);
  }

  async function loadElements() {
    let url = config.elementsUrl;
    let total = 0;
    try {
      while (url && elements.length < MAX_ELEMENTS) {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const page = await response.json();
        total = page.total;
        addElements(page.elements);
        url = page.next;
      }
    } catch (error) {
      setStatus(`Could not load the element boxes (${error.message}).`, true);
      return;
    }
    if (total === 0) {
      setStatus("No elements recorded on this mural yet. Draw a box to query by example.");
    } else if (elements.length < total) {
      setStatus(`Showing ${elements.length.toLocaleString()} of ${total.toLocaleString()} boxes.`);
    } else {
      setStatus(`${total.toLocaleString()} element ${total === 1 ? "box" : "boxes"} shown.`);
    }
    document.body.dataset.elementsLoaded = String(elements.length);
    document.dispatchEvent(new CustomEvent("mural:elementsloaded", {
      detail: { mural: config.mural, count: elements.length, total },
    }));
    if (config.focus && config.focus.kind === "element") selectElement(config.focus.element);
  }

  function reloadElements() {
    selectElement(null);
    elements.length = 0;
    elementsById.clear();
    rectsById.clear();
    boxesLayer.replaceChildren();
    setStatus("Loading element boxes…");
    return loadElements();
  }

  document.addEventListener("mural:indexfinished", (event) => {
    if (event.detail && event.detail.mural === config.mural) reloadElements();
  });

  function setStatus(text, isError) {
    if (!statusLine) return;
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  /* ---- legend toggles ---- */

  function setCategoryVisible(slug, visible) {
    if (visible) hiddenCategories.delete(slug); else hiddenCategories.add(slug);
    const group = boxesLayer.querySelector(`g[data-category="${CSS.escape(slug)}"]`);
    if (group) group.style.display = visible ? "" : "none";
  }

  document.querySelectorAll("input[data-legend-category]").forEach((input) => {
    input.addEventListener("change", () => {
      setCategoryVisible(input.dataset.legendCategory, input.checked);
    });
  });

  if (boxesToggle) {
    boxesToggle.addEventListener("change", () => {
      boxesLayer.style.display = boxesToggle.checked ? "" : "none";
    });
  }

  /* ---- hit-testing, selection and details ---- */

  function toImage(position) {
    return viewer.viewport.viewerElementToImageCoordinates(position);
  }

  function elementAt(position) {
    if (boxesToggle && !boxesToggle.checked) return null;
    const p = toImage(position);
    let best = null;
    for (const el of elements) {
      if (hiddenCategories.has(el.category)) continue;
      if (p.x < el.x || p.y < el.y || p.x > el.x + el.w || p.y > el.y + el.h) continue;
      if (!best || el.w * el.h < best.w * best.h) best = el;
    }
    return best;
  }

  function selectElement(id) {
    const el = elementsById.get(Number(id)) || (config.focus && config.focus.detail &&
      config.focus.detail.id === Number(id) ? config.focus.detail : null);
    if (selectedId !== null && rectsById.has(selectedId)) {
      rectsById.get(selectedId).classList.remove("selected");
    }
    selectedId = el ? el.id : null;
    if (!el) {
      detailsPanel.hidden = true;
      return;
    }
    if (rectsById.has(el.id)) rectsById.get(el.id).classList.add("selected");
    renderDetails(el);
  }

  function renderDetails(el) {
    const score = el.score === null || el.score === undefined ? "—" : el.score.toFixed(2);
    const link = `${config.viewerUrl}?element=${el.id}`;
    detailsPanel.querySelector("[data-field=swatch]").style.background = el.color;
    detailsPanel.querySelector("[data-field=category]").textContent = el.category_name;
    detailsPanel.querySelector("[data-field=id]").textContent = `#${el.id}`;
    detailsPanel.querySelector("[data-field=box]").textContent =
      `${el.x}, ${el.y}, ${el.w}, ${el.h}`;
    detailsPanel.querySelector("[data-field=score]").textContent = score;
    detailsPanel.querySelector("[data-field=source]").textContent = el.source;
    detailsPanel.querySelector("[data-field=review]").textContent = el.review_state;
    detailsPanel.querySelector("[data-field=link]").href = link;
    renderInscription(el);
    const admin = detailsPanel.querySelector("[data-field=admin]");
    if (admin) {
      admin.hidden = !config.adminElementUrl;
      admin.href = config.adminElementUrl ? config.adminElementUrl.replace("{id}", el.id) : "#";
    }
    detailsPanel.dataset.elementId = el.id;
    detailsPanel.hidden = false;
  }

  /* ---- inscription text (OCR) and a reviewer's correction ---- */

  const ocrForm = detailsPanel.querySelector("[data-field=ocr-form]");

  function renderInscription(el) {
    const hasText = el.category === "inscription" || Boolean(el.ocr_text) ||
      el.ocr_confidence !== null && el.ocr_confidence !== undefined;
    detailsPanel.querySelectorAll("[data-ocr]").forEach((node) => { node.hidden = !hasText; });
    const textNode = detailsPanel.querySelector("[data-field=ocr-text]");
    const sourceNode = detailsPanel.querySelector("[data-field=ocr-source]");
    textNode.textContent = el.ocr_text || "";
    textNode.classList.toggle("muted", !el.ocr_text);
    if (el.ocr_source === "ocr") {
      if (!el.ocr_text) textNode.textContent = "No text found by OCR.";
      sourceNode.textContent = `OCR, confidence ${el.ocr_confidence.toFixed(2)}`;
    } else if (el.ocr_source === "reviewer") {
      sourceNode.textContent = "Entered by a reviewer";
    } else {
      textNode.textContent = "Not read yet (indexing reads inscriptions).";
      sourceNode.textContent = "";
    }
    if (ocrForm) {
      ocrForm.hidden = !hasText || !config.ocrCorrectUrl;
      ocrForm.elements.text.value = el.ocr_text || "";
      ocrForm.querySelector("[data-field=ocr-status]").textContent = "";
    }
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  if (ocrForm) {
    ocrForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = Number(detailsPanel.dataset.elementId);
      const status = ocrForm.querySelector("[data-field=ocr-status]");
      status.textContent = "Saving…";
      status.classList.remove("error");
      try {
        const response = await fetch(config.ocrCorrectUrl.replace("{id}", id), {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ text: ocrForm.elements.text.value }),
        });
        const body = await response.json();
        if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
        const el = elementsById.get(id) || body;
        Object.assign(el, body);
        if (rectsById.has(id)) rectsById.get(id).classList.toggle("rejected",
          el.review_state === "rejected");
        if (Number(detailsPanel.dataset.elementId) === id) renderDetails(el);
        ocrForm.querySelector("[data-field=ocr-status]").textContent = "Saved.";
      } catch (error) {
        status.textContent = `Not saved: ${error.message}`;
        status.classList.add("error");
      }
    });
  }

  detailsPanel.querySelector("[data-action=zoom]").addEventListener("click", () => {
    const el = elementsById.get(Number(detailsPanel.dataset.elementId));
    if (el) zoomTo(el, false);
  });
  detailsPanel.querySelector("[data-action=close]").addEventListener("click", () => {
    selectElement(null);
  });

  viewer.addHandler("canvas-click", (event) => {
    if (drawing) {
      event.preventDefaultAction = true;
      return;
    }
    if (!event.quick) return;
    const el = elementAt(event.position);
    if (el) {
      event.preventDefaultAction = true; // select rather than zoom in
      selectElement(el.id);
    }
  });

  new OpenSeadragon.MouseTracker({
    element: viewer.canvas,
    moveHandler: (event) => {
      if (drawing) return;
      container.classList.toggle("over-box", Boolean(elementAt(event.position)));
    },
  });

  /* ---- zooming to a box (deep links, details) ---- */

  function zoomTo(box, immediately) {
    const margin = Math.max(box.w, box.h) * 0.6 + 16;
    const rect = viewer.viewport.imageToViewportRectangle(
      box.x - margin, box.y - margin, box.w + 2 * margin, box.h + 2 * margin);
    viewer.viewport.fitBoundsWithConstraints(rect, Boolean(immediately));
  }

  function asBox(box) {
    return Array.isArray(box) ? { x: box[0], y: box[1], w: box[2], h: box[3] } : box;
  }

  function focusBox(box, immediately) {
    box = asBox(box);
    setRect(focusRect, box);
    focusRect.style.display = "";
    zoomTo(box, immediately);
  }

  viewer.addHandler("open", () => {
    updateOverlayTransform();
    if (config.focus) focusBox(config.focus.box, true);
    container.dataset.opened = "true";
  });
  viewer.addHandler("open-failed", (event) => {
    setStatus(`The mural image could not be opened (${event.message}).`, true);
  });

  /* ---- the box-drawing tool ---- */

  const DRAW_GESTURES = ["gestureSettingsMouse", "gestureSettingsTouch", "gestureSettingsPen"];
  const savedGestures = {};

  function setDrawing(on) {
    drawing = Boolean(on);
    dragStart = null;
    drawButton.setAttribute("aria-pressed", String(drawing));
    drawButton.classList.toggle("active", drawing);
    container.classList.toggle("drawing", drawing);
    for (const name of DRAW_GESTURES) {
      const settings = viewer[name];
      if (!settings) continue;
      if (drawing) {
        savedGestures[name] = {
          dragToPan: settings.dragToPan,
          clickToZoom: settings.clickToZoom,
          dblClickToZoom: settings.dblClickToZoom,
          flickEnabled: settings.flickEnabled,
        };
        Object.assign(settings, {
          dragToPan: false, clickToZoom: false, dblClickToZoom: false, flickEnabled: false,
        });
      } else if (savedGestures[name]) {
        Object.assign(settings, savedGestures[name]);
      }
    }
  }

  function clippedBox(a, b) {
    const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x)));
    const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y)));
    const x1 = Math.min(config.width, Math.ceil(Math.max(a.x, b.x)));
    const y1 = Math.min(config.height, Math.ceil(Math.max(a.y, b.y)));
    return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
  }

  drawButton.addEventListener("click", () => setDrawing(!drawing));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && drawing) setDrawing(false);
  });

  viewer.addHandler("canvas-press", (event) => {
    if (!drawing) return;
    dragStart = { image: toImage(event.position), screen: event.position };
  });

  viewer.addHandler("canvas-drag", (event) => {
    if (!drawing) return;
    event.preventDefaultAction = true;
    if (!dragStart) return;
    const box = clippedBox(dragStart.image, toImage(event.position));
    setRect(drawnRect, box);
    drawnRect.style.display = "";
  });

  viewer.addHandler("canvas-drag-end", (event) => {
    if (drawing) event.preventDefaultAction = true;
  });

  viewer.addHandler("canvas-release", (event) => {
    if (!drawing || !dragStart) return;
    const start = dragStart;
    dragStart = null;
    if (start.screen.distanceTo(event.position) < MIN_DRAG_PX) return;
    const box = clippedBox(start.image, toImage(event.position));
    if (box.w < 1 || box.h < 1) {
      drawnRect.style.display = "none";
      return;
    }
    setRect(drawnRect, box);
    drawnRect.style.display = "";
    reportBox(box);
  });

  function reportBox(box) {
    drawnBox.textContent = `${box.x}, ${box.y}, ${box.w}, ${box.h}`;
    for (const key of ["x", "y", "w", "h"]) drawnBox.dataset[key] = String(box[key]);
    const spec = `${box.x},${box.y},${box.w},${box.h}`;
    const link = drawnPanel.querySelector("[data-field=link]");
    if (link) link.href = `${config.viewerUrl}?box=${spec}`;
    const cli = drawnPanel.querySelector("[data-field=cli]");
    if (cli) cli.textContent = `python manage.py search --example ${config.mural}:${spec}`;
    drawnPanel.hidden = false;
    document.dispatchEvent(new CustomEvent("mural:boxdrawn", {
      detail: { mural: config.mural, x: box.x, y: box.y, w: box.w, h: box.h },
    }));
  }

  const clearButton = drawnPanel.querySelector("[data-action=clear]");
  if (clearButton) {
    clearButton.addEventListener("click", () => {
      drawnRect.style.display = "none";
      drawnPanel.hidden = true;
    });
  }

  window.muralViewer = {
    viewer,
    config,
    focusBox: (box) => focusBox(box, false),
    selectElement,
    setDrawing,
    reloadElements,
  };

  loadElements();
})();
