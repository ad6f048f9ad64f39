/* The categories page: "Find more" takes a few seconds, so its button says so while it runs. */
for (const form of document.querySelectorAll("form.find-more")) {
  form.addEventListener("submit", () => {
    form.querySelector("button").disabled = true;
    form.querySelector(".find-more-busy").hidden = false;
  });
}
