/* The element details panel of the mural viewer: the selected element's facts, its inscription
 * text (OCR) and, for staff, a reviewer's correction of that text, saved in place.
 */

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    return "";
  }
}

/* The panel `panel` for the elements of `overlay`; `zoomTo(box, immediately)` frames a box.
 * config: viewerUrl, adminElementUrl, ocrCorrectUrl ("{id}" placeholders), and focus (a deep
 * link's element, whose detail is known before its page of elements.json arrives).
 */
export function createDetailsPanel(panel, config, { overlay, zoomTo }) {
  const field = (name) => panel.querySelector(`[data-field=${name}]`);
  const ocrForm = field("ocr-form");

  function select(id) {
    const focus = config.focus && config.focus.detail;
    const el = overlay.elementsById.get(Number(id)) ||
      (focus && focus.id === Number(id) ? focus : null);
    overlay.setSelected(el ? el.id : null);
    if (!el) {
      panel.hidden = true;
      return;
    }
    render(el);
  }

  function render(el) {
    const score = el.score === null || el.score === undefined ? "—" : el.score.toFixed(2);
    field("swatch").style.background = el.color;
    field("category").textContent = el.category_name;
    field("id").textContent = `#${el.id}`;
    field("box").textContent = `${el.x}, ${el.y}, ${el.w}, ${el.h}`;
    field("score").textContent = score;
    field("source").textContent = el.source;
    field("review").textContent = el.review_state;
    field("link").href = `${config.viewerUrl}?element=${el.id}`;
    renderInscription(el);
    const admin = field("admin");
    if (admin) {
      admin.hidden = !config.adminElementUrl;
      admin.href = config.adminElementUrl ? config.adminElementUrl.replace("{id}", el.id) : "#";
    }
    panel.dataset.elementId = el.id;
    panel.hidden = false;
  }

  function renderInscription(el) {
    const hasText = el.category === "inscription" || Boolean(el.ocr_text) ||
      el.ocr_confidence !== null && el.ocr_confidence !== undefined;
    panel.querySelectorAll("[data-ocr]").forEach((node) => { node.hidden = !hasText; });
    const textNode = field("ocr-text");
    const sourceNode = field("ocr-source");
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

  async function saveCorrection(event) {
    event.preventDefault();
    const id = Number(panel.dataset.elementId);
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
      const el = overlay.elementsById.get(id) || body;
      Object.assign(el, body);
      overlay.setRejected(id, el.review_state === "rejected");
      if (Number(panel.dataset.elementId) === id) render(el);
      status.textContent = "Saved.";
    } catch (error) {
      status.textContent = `Not saved: ${error.message}`;
      status.classList.add("error");
    }
  }

  if (ocrForm) ocrForm.addEventListener("submit", saveCorrection);
  panel.querySelector("[data-action=zoom]").addEventListener("click", () => {
    const el = overlay.elementsById.get(Number(panel.dataset.elementId));
    if (el) zoomTo(el, false);
  });
  panel.querySelector("[data-action=close]").addEventListener("click", () => select(null));

  return { select };
}
