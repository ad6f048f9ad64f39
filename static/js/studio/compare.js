/* Before/after comparison: the restored image over the original, revealed from the left as
 * far as the slider says. Works on every [data-compare] block, including those htmx swaps in
 * (the job status when a restoration is done).
 */

function connect(block) {
  if (block.dataset.compareReady) return;
  block.dataset.compareReady = "true";
  const slider = block.querySelector("[data-compare-slider]");
  const after = block.querySelector(".compare-after");
  const update = () => {
    after.style.clipPath = `inset(0 0 0 ${slider.value}%)`;
  };
  slider.addEventListener("input", update);
  update();
}

function connectAll(root) {
  root.querySelectorAll("[data-compare]").forEach(connect);
}

connectAll(document);
document.addEventListener("htmx:afterSettle", (event) => connectAll(event.target));
