// Compare mode's overlay of two items: the top one's opacity, and a horizontal flip.
const overlay = document.getElementById("overlay");
const opacity = document.getElementById("overlay-opacity");
const flip = document.getElementById("overlay-flip");

function update() {
  const top = overlay?.querySelector(".overlay-2");
  if (!top) return;
  top.style.opacity = String(Number(opacity.value) / 100);
  top.style.transform = flip.checked ? "scaleX(-1)" : "";
}

if (overlay && opacity && flip) {
  opacity.addEventListener("input", update);
  flip.addEventListener("change", update);
  update();
}
