/* In-place box adjustment on a review card (key `e`, "Adjust box"): eight handles (corners and
 * edges) and a move drag over the card's context image. The box is kept in full-resolution
 * mural pixels (the card's data-bbox, data-region and data-mural-size; the SVG's viewBox is the
 * displayed region's size), so the display scale never rounds it twice. Arrow keys nudge the
 * part last grabbed (the whole box at first) by one display pixel, Shift by ten. The queue
 * (queue.js) sends the saved box through the review endpoint.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
// the edges each handle moves: left, top, right, bottom
const HANDLES = {
  nw: "lt", n: "t", ne: "tr", e: "r", se: "rb", s: "b", sw: "lb", w: "l",
};
const HANDLE_SCREEN_PX = 10;
const NUDGE = {
  ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1],
};

const numbers = (text) => String(text || "").split(",").map(Number);
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/* How the card's context image maps mural pixels to its display units. */
function geometry(card) {
  const svg = card.querySelector(".review-crop");
  const view = svg.viewBox.baseVal;
  const [rx, ry, rw, rh] = numbers(card.dataset.region);
  return { svg, rx, ry, sx: view.width / rw, sy: view.height / rh, view };
}

function setRect(rect, x, y, w, h) {
  rect.setAttribute("x", String(x));
  rect.setAttribute("y", String(y));
  rect.setAttribute("width", String(Math.max(w, 0)));
  rect.setAttribute("height", String(Math.max(h, 0)));
}

/* Draws the card's box from its data-bbox (after a save, an undo or someone else's change). */
export function drawCardBox(card) {
  const { svg, rx, ry, sx, sy } = geometry(card);
  const [x, y, w, h] = numbers(card.dataset.bbox);
  setRect(svg.querySelector(".review-box"), (x - rx) * sx, (y - ry) * sy, w * sx, h * sy);
}

/* Starts adjusting the card's box. onSave([x, y, w, h]) gets the box in whole mural pixels;
 * onCancel() is called on Escape or "Cancel". Returns {card, key(event) -> handled, save(),
 * cancel(), close()}; close() removes the handles and redraws the card's stored box. */
export function editBox(card, { onSave, onCancel }) {
  const { svg, rx, ry, sx, sy, view } = geometry(card);
  const boxRect = svg.querySelector(".review-box");
  const [muralWidth, muralHeight] = numbers(card.dataset.muralSize);
  const [bx, by, bw, bh] = numbers(card.dataset.bbox);
  let box = { x0: bx, y0: by, x1: bx + bw, y1: by + bh };
  // the box may move within what the card shows (or further, if it is already outside it)
  const bounds = {
    x0: Math.max(0, Math.min(rx, box.x0)),
    y0: Math.max(0, Math.min(ry, box.y0)),
    x1: Math.min(muralWidth, Math.max(rx + view.width / sx, box.x1)),
    y1: Math.min(muralHeight, Math.max(ry + view.height / sy, box.y1)),
  };
  let active = "move";
  let drag = null; // {part, from, start, pointer}

  const layer = document.createElementNS(SVG_NS, "g");
  layer.setAttribute("class", "review-handles");
  const parts = new Map();
  for (const part of ["move", ...Object.keys(HANDLES)]) {
    const rect = document.createElementNS(SVG_NS, "rect");
    rect.setAttribute("class", part === "move" ? "review-move" : "review-handle");
    rect.dataset.handle = part;
    layer.appendChild(rect);
    parts.set(part, rect);
  }
  svg.appendChild(layer);
  card.classList.add("editing");
  const panel = card.querySelector("[data-edit]");
  const readout = card.querySelector("[data-edit-box]");
  if (panel) panel.hidden = false;

  function rounded() {
    const x = Math.round(box.x0);
    const y = Math.round(box.y0);
    return [x, y, Math.max(1, Math.round(box.x1) - x), Math.max(1, Math.round(box.y1) - y)];
  }

  function render() {
    const x0 = (box.x0 - rx) * sx;
    const y0 = (box.y0 - ry) * sy;
    const x1 = (box.x1 - rx) * sx;
    const y1 = (box.y1 - ry) * sy;
    setRect(boxRect, x0, y0, x1 - x0, y1 - y0);
    setRect(parts.get("move"), x0, y0, x1 - x0, y1 - y0);
    const unit = view.width / (svg.getBoundingClientRect().width || view.width);
    const size = HANDLE_SCREEN_PX * unit;
    const xs = { l: x0, c: (x0 + x1) / 2, r: x1 };
    const ys = { t: y0, c: (y0 + y1) / 2, b: y1 };
    for (const [part, edges] of Object.entries(HANDLES)) {
      const hx = edges.includes("l") ? xs.l : edges.includes("r") ? xs.r : xs.c;
      const hy = edges.includes("t") ? ys.t : edges.includes("b") ? ys.b : ys.c;
      const rect = parts.get(part);
      setRect(rect, hx - size / 2, hy - size / 2, size, size);
      rect.setAttribute("stroke-width", String(1.5 * unit));
    }
    for (const [part, rect] of parts) rect.classList.toggle("active", part === active);
    if (readout) readout.textContent = rounded().join(", ");
  }

  /* `from` with `part` moved by (dx, dy) mural pixels, kept inside the bounds, 1 px at least. */
  function moved(from, part, dx, dy) {
    if (part === "move") {
      const mx = clamp(dx, bounds.x0 - from.x0, bounds.x1 - from.x1);
      const my = clamp(dy, bounds.y0 - from.y0, bounds.y1 - from.y1);
      return { x0: from.x0 + mx, y0: from.y0 + my, x1: from.x1 + mx, y1: from.y1 + my };
    }
    const edges = HANDLES[part];
    const next = { ...from };
    if (edges.includes("l")) next.x0 = clamp(from.x0 + dx, bounds.x0, from.x1 - 1);
    if (edges.includes("r")) next.x1 = clamp(from.x1 + dx, from.x0 + 1, bounds.x1);
    if (edges.includes("t")) next.y0 = clamp(from.y0 + dy, bounds.y0, from.y1 - 1);
    if (edges.includes("b")) next.y1 = clamp(from.y1 + dy, from.y0 + 1, bounds.y1);
    return next;
  }

  function point(event) {
    return new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
  }

  function down(event) {
    const part = event.target.dataset && event.target.dataset.handle;
    if (!part || event.button !== 0) return;
    event.preventDefault();
    active = part;
    drag = { part, from: { ...box }, start: point(event), pointer: event.pointerId };
    svg.setPointerCapture(event.pointerId);
    render();
  }

  function move(event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    const p = point(event);
    box = moved(drag.from, drag.part, (p.x - drag.start.x) / sx, (p.y - drag.start.y) / sy);
    render();
  }

  function up(event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    drag = null;
    if (svg.hasPointerCapture(event.pointerId)) svg.releasePointerCapture(event.pointerId);
  }

  svg.addEventListener("pointerdown", down);
  svg.addEventListener("pointermove", move);
  svg.addEventListener("pointerup", up);
  svg.addEventListener("pointercancel", up);

  function key(event) {
    if (event.key === "Enter") {
      editor.save();
      return true;
    }
    if (event.key === "Escape") {
      editor.cancel();
      return true;
    }
    const step = NUDGE[event.key];
    if (!step) return false;
    const pixels = event.shiftKey ? 10 : 1;
    box = moved(box, active, (step[0] * pixels) / sx, (step[1] * pixels) / sy);
    render();
    return true;
  }

  const editor = {
    card,
    key,
    save: () => onSave(rounded()),
    cancel: () => onCancel(),
    close() {
      svg.removeEventListener("pointerdown", down);
      svg.removeEventListener("pointermove", move);
      svg.removeEventListener("pointerup", up);
      svg.removeEventListener("pointercancel", up);
      layer.remove();
      card.classList.remove("editing");
      if (panel) panel.hidden = true;
      drawCardBox(card);
    },
  };
  render();
  return editor;
}
