/* "Add to style set" in the viewer (templates/styles/_add_viewer.html): the selected element or
 * the drawn box. The picker itself is an htmx fragment (styles/_add_picker.html). The library
 * gallery's selection opens the same picker through the gallery's own script.
 */

function openPicker(url, params, slot) {
  const query = new URLSearchParams(params).toString();
  htmx.ajax("GET", `${url}?${query}`, { target: slot, swap: "innerHTML" });
}

function connectViewer(panel) {
  const slot = panel.querySelector(".style-add-slot");
  const label = panel.querySelector("[data-field=target]");
  let target = null;

  function choose(next, text) {
    target = next;
    label.textContent = text;
    slot.innerHTML = "";
    panel.hidden = false;
  }

  document.addEventListener("mural:boxdrawn", (event) => {
    const b = event.detail;
    if (!b.w || !b.h) return;
    choose({ mural: b.mural, box: `${b.x},${b.y},${b.w},${b.h}` },
      `Drawn box ${b.x}, ${b.y}, ${b.w}, ${b.h}`);
  });

  const details = document.getElementById("element-details");
  if (details) {
    const follow = () => {
      const id = details.dataset.elementId;
      if (!details.hidden && id && !(target && target.element === id)) {
        choose({ element: id }, `Element #${id}`);
      }
    };
    new MutationObserver(follow).observe(details, {
      attributes: true, attributeFilter: ["data-element-id", "hidden"],
    });
    follow();
  }

  panel.querySelector("[data-action=open]").addEventListener("click", () => {
    if (target) openPicker(panel.dataset.addUrl, target, slot);
  });
}

const panel = document.getElementById("style-add-panel");
if (panel) connectViewer(panel);
