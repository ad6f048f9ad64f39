/* The staff upload form (templates/catalogue/upload_form.html): a progress bar while the file
 * goes up. The server answers HX-Redirect to the new mural's viewer, or a refusal as an HTML
 * fragment for #upload-status, which htmx 2 would leave unswapped as a 4xx without this.
 */

const form = document.getElementById("upload-form");
const bar = document.getElementById("upload-progress");
const status = document.getElementById("upload-status");

form.addEventListener("htmx:xhr:progress", (event) => {
  if (!event.detail.lengthComputable) return;
  bar.hidden = false;
  bar.value = Math.round(100 * event.detail.loaded / event.detail.total);
  status.textContent = bar.value < 100 ? `Uploading… ${bar.value}%` : "Building the pyramid…";
});

status.addEventListener("htmx:beforeSwap", (event) => {
  const code = event.detail.xhr.status;
  if (code >= 400 && code < 500) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

form.addEventListener("htmx:afterRequest", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.getResponseHeader("HX-Redirect")) {
    status.textContent = "Added. Opening the viewer…";
    return;
  }
  bar.hidden = true;
  if (xhr.status === 0 || xhr.status >= 500) { // no fragment of ours came back
    status.textContent = `Not added: ${xhr.status ? `HTTP ${xhr.status}` : "the upload failed"}`;
    status.classList.add("error");
  } else {
    status.classList.remove("error");
  }
});
