/* Dunhuang Search catalogue: htmx glue for the filters, and placeholders for missing thumbnails.
 *
 * htmx 2 does not swap 4xx responses by default; the catalogue answers a bad filter with 400
 * and a readable message, which should replace the results like any other answer.
 */

// Leave out empty filters ("All sites") so that the pushed URLs stay short and shareable.
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.verb !== "get") return;
  const params = event.detail.parameters;
  for (const key of [...params.keys()]) {
    if (params.get(key) === "") params.delete(key);
  }
});

document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 400 && event.detail.target.id === "catalogue") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("error", (event) => {
  const img = event.target;
  if (img instanceof HTMLImageElement && img.closest(".mural-card")) {
    img.closest(".thumb").classList.add("thumb-missing");
  }
}, true);
