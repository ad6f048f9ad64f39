/* "Add to style set" where the target is chosen in the page (templates/styles/_add_viewer.html,
 * templates/styles/_add_selection.html): the viewer's selected element or drawn box, and the
 * library gallery's selection. The picker itself is an htmx fragment (styles/_add_picker.html).
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

function connectSelection(button) {
  const slot = button.parentElement.querySelector(".style-add-slot");
  button.addEventListener("click", () => {
    const ids = button.dataset.ids || "";
    if (!ids) {
      slot.textContent = "Select crops first.";
      return;
    }
    openPicker(button.dataset.addUrl, { elements: ids }, slot);
  });
}

const panel = document.getElementById("style-add-panel");
if (panel) connectViewer(panel);
document.querySelectorAll(".style-add-selection .style-add-button").forEach(connectSelection);
