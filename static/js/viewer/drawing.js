/* The box-drawing tool of the mural viewer: with "Draw box" on, a drag marks a region in
 * full-resolution mural pixels. The box is shown in the "Drawn box" panel (with a link and the
 * command line for it) and sent as the document event "mural:boxdrawn" {mural, x, y, w, h}.
 */

const MIN_DRAG_PX = 3; // a drag shorter than this on screen is a click, not a box
const DRAW_GESTURES = ["gestureSettingsMouse", "gestureSettingsTouch", "gestureSettingsPen"];

/* The tool for `viewer`: `button` toggles it, `marker` (an overlay marker) shows the box while
 * it is dragged, `panel` and its `output` code element report it; `container` gets the
 * "drawing" class while the tool is on. Returns {active, setDrawing(on)}.
 */
export function createBoxDrawing(viewer, config, { button, panel, output, marker, container }) {
  const savedGestures = {};
  let drawing = false;
  let dragStart = null; // {image: Point, screen: Point} while a box is being dragged

  const toImage = (position) => viewer.viewport.viewerElementToImageCoordinates(position);

  function setDrawing(on) {
    drawing = Boolean(on);
    dragStart = null;
    button.setAttribute("aria-pressed", String(drawing));
    button.classList.toggle("active", drawing);
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

  function reportBox(box) {
    output.textContent = `${box.x}, ${box.y}, ${box.w}, ${box.h}`;
    for (const key of ["x", "y", "w", "h"]) output.dataset[key] = String(box[key]);
    const spec = `${box.x},${box.y},${box.w},${box.h}`;
    const link = panel.querySelector("[data-field=link]");
    if (link) link.href = `${config.viewerUrl}?box=${spec}`;
    const cli = panel.querySelector("[data-field=cli]");
    if (cli) cli.textContent = `python manage.py search --example ${config.mural}:${spec}`;
    panel.hidden = false;
    document.dispatchEvent(new CustomEvent("mural:boxdrawn", {
      detail: { mural: config.mural, x: box.x, y: box.y, w: box.w, h: box.h },
    }));
  }

  button.addEventListener("click", () => setDrawing(!drawing));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && drawing) setDrawing(false);
  });

  viewer.addHandler("canvas-click", (event) => {
    if (drawing) event.preventDefaultAction = true; // no click-to-zoom while drawing
  });

  viewer.addHandler("canvas-press", (event) => {
    if (!drawing) return;
    dragStart = { image: toImage(event.position), screen: event.position };
  });

  viewer.addHandler("canvas-drag", (event) => {
    if (!drawing) return;
    event.preventDefaultAction = true;
    if (!dragStart) return;
    marker.show(clippedBox(dragStart.image, toImage(event.position)));
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
      marker.hide();
      return;
    }
    marker.show(box);
    reportBox(box);
  });

  const clearButton = panel.querySelector("[data-action=clear]");
  if (clearButton) {
    clearButton.addEventListener("click", () => {
      marker.hide();
      panel.hidden = true;
    });
  }

  return {
    get active() {
      return drawing;
    },
    setDrawing,
  };
}
