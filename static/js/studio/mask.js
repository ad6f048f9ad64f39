/* The mask layer of the studio: a canvas the size of the region in full-resolution mural
 * pixels, laid over the deep-zoom viewer as an OpenSeadragon overlay. Painted pixels (opaque
 * red) are lost; the eraser clears them. Proposed masks (8-bit PNGs from the server: clicks,
 * suggested losses) are added to it. Exported as a PNG the size of the region.
 */

export function createMaskLayer(viewer, region) {
  const [rx, ry, rw, rh] = region;
  const canvas = document.createElement("canvas");
  canvas.width = rw;
  canvas.height = rh;
  canvas.className = "mask-layer";
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = "rgb(255, 0, 0)";
  ctx.strokeStyle = "rgb(255, 0, 0)";
  ctx.lineCap = "round";
  ctx.lineJoin = "round";

  viewer.addOverlay({
    element: canvas,
    location: viewer.viewport.imageToViewportRectangle(rx, ry, rw, rh),
  });

  function toRegion(point) {
    return { x: point.x - rx, y: point.y - ry };
  }

  function stroke(from, to, radius, erase) {
    ctx.globalCompositeOperation = erase ? "destination-out" : "source-over";
    const a = toRegion(from);
    const b = toRegion(to);
    ctx.lineWidth = radius * 2;
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    ctx.beginPath();
    ctx.arc(b.x, b.y, radius, 0, Math.PI * 2);
    ctx.fill();
    ctx.globalCompositeOperation = "source-over";
  }

  /* Add an 8-bit mask image (nonzero = lost), region-sized, to the layer. */
  async function addMask(blob) {
    const bitmap = await createImageBitmap(blob);
    const scratch = document.createElement("canvas");
    scratch.width = rw;
    scratch.height = rh;
    const sctx = scratch.getContext("2d", { willReadFrequently: true });
    sctx.drawImage(bitmap, 0, 0, rw, rh);
    const pixels = sctx.getImageData(0, 0, rw, rh);
    const data = pixels.data;
    for (let i = 0; i < data.length; i += 4) {
      const lost = data[i] > 0;
      data[i] = 255;
      data[i + 1] = 0;
      data[i + 2] = 0;
      data[i + 3] = lost ? 255 : 0;
    }
    sctx.putImageData(pixels, 0, 0);
    ctx.drawImage(scratch, 0, 0);
  }

  function lostPixels() {
    const data = ctx.getImageData(0, 0, rw, rh).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
    return n;
  }

  function clear() {
    ctx.clearRect(0, 0, rw, rh);
  }

  function toBlob() {
    return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  }

  return { canvas, stroke, addMask, lostPixels, clear, toBlob, toRegion };
}
