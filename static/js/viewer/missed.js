/* "Mark as missed element" in the mural viewer (archaeologists only: the panel, from
 * templates/review/_missed_panel.html, is rendered for them alone, and the server checks the
 * role again). A drawn box ("mural:boxdrawn") can be posted with a category to
 * POST /api/v1/review/missed/: a manual, accepted element, embedded at once. The new element is
 * drawn on the overlay ("mural:elementadded"), selected, and linked from a confirmation.
 */

const panel = document.getElementById("missed-panel");
const form = document.getElementById("missed-form");

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    return "";
  }
}

function connect() {
  const status = panel.querySelector("[data-field=missed-status]");
  const button = form.querySelector("button[type=submit]");
  let box = null; // the drawn box {mural, x, y, w, h}, or null once it is cleared

  function say(text, isError) {
    status.replaceChildren(text);
    status.classList.toggle("error", Boolean(isError));
  }

  function confirm(body) {
    const el = body.element;
    const link = document.createElement("a");
    link.href = body.viewer_url;
    link.textContent = `Element #${el.id}`;
    link.dataset.field = "missed-link";
    status.replaceChildren(
      link, ` (${el.category_name}, ${el.x}, ${el.y}, ${el.w}, ${el.h}) added: manual, accepted, searchable now.`);
    status.classList.remove("error");
  }

  document.addEventListener("mural:boxdrawn", (event) => {
    box = event.detail;
    panel.hidden = false;
    form.hidden = false;
    say("");
  });

  const clearButton = document.querySelector("#drawn-box-panel [data-action=clear]");
  if (clearButton) {
    clearButton.addEventListener("click", () => {
      box = null;
      form.hidden = true;
      if (!status.textContent) panel.hidden = true;
    });
  }

  form.elements.category.addEventListener("change", () => {
    if (status.classList.contains("error")) say("");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!box) return;
    const category = form.elements.category.value;
    if (!category) {
      say("Choose a category first.", true);
      return;
    }
    button.disabled = true;
    say("Saving…");
    try {
      const response = await fetch(form.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify({ mural: box.mural, bbox: [box.x, box.y, box.w, box.h], category }),
      });
      let body = {};
      try {
        body = await response.json();
      } catch (error) {
        body = { error: `the server answered ${response.status}` };
      }
      if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
      document.dispatchEvent(new CustomEvent("mural:elementadded", { detail: body.element }));
      confirm(body);
      if (window.muralViewer) window.muralViewer.selectElement(body.element.id);
      if (clearButton) clearButton.click(); // the drawn box is an element now
    } catch (error) {
      say(`Not saved: ${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  });
}

if (panel && form) connect();
