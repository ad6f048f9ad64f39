/* The overlays of the mural viewer: an SVG layer in full-resolution mural pixels that follows
 * OpenSeadragon's viewport, one box per element grouped by category (paged in from
 * elements.json), the legend and "Show element boxes" toggles, hit-testing, and markers such
 * as the focus box and the drawn box. A document event "mural:elementadded" (detail: the
 * element as elements.json has it) draws one more box.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_ELEMENTS = 20000; // boxes fetched per mural; the legend still counts them all

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

/* The overlay of `viewer` for the mural of `config` (width, height, mural, elementsUrl).
 * `status` is the line that reports on the boxes, `boxesToggle` the "Show element boxes"
 * checkbox and `legendInputs` the legend's per-category checkboxes (any may be missing).
 */
export function createOverlay(viewer, config, { status, boxesToggle, legendInputs = [], legend = null }) {
  const elements = []; // as in elements.json
  const elementsById = new Map();
  const rectsById = new Map();
  const hiddenCategories = new Set();
  let selectedId = null;

  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "mural-overlay");
  svg.setAttribute("aria-hidden", "true");
  const world = document.createElementNS(SVG_NS, "g"); // transformed: image px -> screen px
  world.setAttribute("class", "overlay-world");
  const boxesLayer = document.createElementNS(SVG_NS, "g");
  boxesLayer.setAttribute("class", "overlay-boxes");
  world.appendChild(boxesLayer);
  svg.appendChild(world);
  viewer.canvas.appendChild(svg);

  function updateTransform() {
    const item = viewer.world.getItemAt(0);
    if (!item) return;
    const origin = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
    const corner = item.imageToViewerElementCoordinates(
      new OpenSeadragon.Point(config.width, config.height));
    const scale = (corner.x - origin.x) / config.width;
    world.setAttribute("transform", `translate(${origin.x} ${origin.y}) scale(${scale})`);
  }

  viewer.addHandler("open", updateTransform);
  viewer.addHandler("update-viewport", updateTransform);
  viewer.addHandler("resize", updateTransform);

  function setStatus(text, isError) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  /* ---- element boxes, by category ---- */

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

  /* Fetches the mural's element pages and draws them; true once all are in. */
  async function load() {
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
      return false;
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
    return true;
  }

  /* One element added on this page (a missed element marked in the viewer): drawn at once,
   * without reloading the mural's pages. */
  document.addEventListener("mural:elementadded", (event) => {
    const el = event.detail;
    if (!el || el.mural_id !== config.mural) return;
    addElements([el]);
    countInLegend(el);
    document.body.dataset.elementsLoaded = String(elements.length);
    const n = elements.length;
    setStatus(`${n.toLocaleString()} element ${n === 1 ? "box" : "boxes"} shown.`);
  });

  function clear() {
    setSelected(null);
    elements.length = 0;
    elementsById.clear();
    rectsById.clear();
    boxesLayer.replaceChildren();
    setStatus("Loading element boxes…");
  }

  function setSelected(id) {
    if (selectedId !== null && rectsById.has(selectedId)) {
      rectsById.get(selectedId).classList.remove("selected");
    }
    selectedId = id;
    if (id !== null && rectsById.has(id)) rectsById.get(id).classList.add("selected");
  }

  function setRejected(id, rejected) {
    if (rectsById.has(id)) rectsById.get(id).classList.toggle("rejected", rejected);
  }

  /* ---- legend toggles ---- */

  function setCategoryVisible(slug, visible) {
    if (visible) hiddenCategories.delete(slug); else hiddenCategories.add(slug);
    const group = boxesLayer.querySelector(`g[data-category="${CSS.escape(slug)}"]`);
    if (group) group.style.display = visible ? "" : "none";
  }

  function connectLegendInput(input) {
    input.addEventListener("change", () => {
      setCategoryVisible(input.dataset.legendCategory, input.checked);
    });
  }
  legendInputs.forEach(connectLegendInput);

  /* The legend counts one more element (of a category it may not list yet). */
  function countInLegend(el) {
    if (!legend) return;
    const total = legend.querySelector("h2 .muted");
    if (total) total.textContent = String((parseInt(total.textContent, 10) || 0) + 1);
    const slug = el.category || "";
    const input = legend.querySelector(`input[data-legend-category="${CSS.escape(slug)}"]`);
    if (input) {
      const count = input.closest("label").querySelector(".count");
      count.textContent = String((parseInt(count.textContent, 10) || 0) + 1);
      return;
    }
    let list = legend.querySelector(".legend-list");
    if (!list) {
      list = document.createElement("ul");
      list.className = "legend-list";
      legend.querySelectorAll("p.muted").forEach((p) => p.remove()); // "no elements yet"
      legend.append(list);
    }
    const row = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !hiddenCategories.has(slug);
    box.dataset.legendCategory = slug;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = el.color;
    swatch.style.borderColor = el.color;
    const name = document.createElement("span");
    name.className = "legend-name";
    name.textContent = el.category_name || "Uncategorised";
    if (el.category_name_zh) {
      const zh = document.createElement("span");
      zh.lang = "zh";
      zh.className = "zh";
      zh.textContent = el.category_name_zh;
      name.append(" ", zh);
    }
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = "1";
    label.append(box, swatch, name, count);
    row.append(label);
    list.append(row);
    connectLegendInput(box);
  }

  if (boxesToggle) {
    boxesToggle.addEventListener("change", () => {
      boxesLayer.style.display = boxesToggle.checked ? "" : "none";
    });
  }

  /* The smallest shown element under `position` (viewer-element pixels), or null. */
  function elementAt(position) {
    if (boxesToggle && !boxesToggle.checked) return null;
    const p = viewer.viewport.viewerElementToImageCoordinates(position);
    let best = null;
    for (const el of elements) {
      if (hiddenCategories.has(el.category)) continue;
      if (p.x < el.x || p.y < el.y || p.x > el.x + el.w || p.y > el.y + el.h) continue;
      if (!best || el.w * el.h < best.w * best.h) best = el;
    }
    return best;
  }

  /* A rect drawn above the element boxes, hidden until shown: {show(box), hide()}. */
  function marker(className) {
    const rect = makeRect(className);
    rect.style.display = "none";
    world.appendChild(rect);
    return {
      show(box) {
        setRect(rect, box);
        rect.style.display = "";
      },
      hide() {
        rect.style.display = "none";
      },
    };
  }

  return {
    elementsById, load, clear, setStatus, setSelected, setRejected, elementAt, marker,
  };
}
