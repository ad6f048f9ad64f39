/* The expert's review of a derivative: approve or reject, with a note (the REST endpoint). */

const form = document.getElementById("review-form");

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    return "";
  }
}

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const state = event.submitter ? event.submitter.value : "approved";
    const out = form.querySelector("[data-field=review-status]");
    const response = await fetch(form.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ state, note: form.note.value }),
    });
    const body = await response.json();
    if (!response.ok) {
      out.textContent = body.error;
      return;
    }
    out.textContent = `Saved: ${body.review_state}`;
    const review = document.querySelector("[data-field=review]");
    if (review) review.textContent = `${body.review_state}${body.review_note ? `: ${body.review_note}` : ""}`;
  });
}
