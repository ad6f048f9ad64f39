/* The "Similar elements" panel of the mural viewer (templates/search/_viewer_panel.html): each
 * "mural:boxdrawn" event loads the most similar elements into it through htmx, without a page
 * reload. The panel links to the same query on the /search/ page, whose URL can be shared.
 */

export function connectSearchPanel() {
  const panel = document.getElementById("similar-panel");
  const results = document.getElementById("similar-results");
  if (!panel || !results) return;

  document.addEventListener("mural:boxdrawn", (event) => {
    const box = event.detail;
    const example = `${box.mural}:${box.x},${box.y},${box.w},${box.h}`;
    const url = `${results.dataset.searchUrl}?panel=viewer&example=${encodeURIComponent(example)}`;
    panel.hidden = false;
    results.setAttribute("aria-busy", "true");
    results.innerHTML = '<p class="muted small">Searching…</p>';
    htmx.ajax("GET", url, { target: "#similar-results", swap: "innerHTML" }).finally(() => {
      results.setAttribute("aria-busy", "false");
    });
  });
}
