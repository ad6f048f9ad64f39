// The stylize form: show the strength slider's value beside it.
const slider = document.getElementById("strength");
const shown = document.getElementById("strength-value");
if (slider && shown) {
  const update = () => { shown.value = Number(slider.value).toFixed(2); };
  slider.addEventListener("input", update);
  update();
}
