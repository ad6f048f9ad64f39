// The similarity matrix of a selection: a heatmap in hierarchical-clustering leaf order
// (from /api/v1/library/<category>/matrix/); hovering shows both crops, clicking opens the pair
// side by side with an overlay (opacity slider, flip), as AIKON and VISE's showmatch do.

const canvas = document.getElementById("similarity-matrix");

function cropUrl(base, element, box = 200) {
  return `${base}/${element.mural}/${element.bbox.join(",")}/^!${box},${box}/0/default.jpg`;
}

function showHover(base, a, b, value) {
  const hover = document.getElementById("matrix-hover");
  hover.replaceChildren();
  for (const el of [a, b]) {
    const img = document.createElement("img");
    img.src = cropUrl(base, el, 160);
    img.alt = `element ${el.id}`;
    hover.append(img);
  }
  const p = document.createElement("p");
  p.className = "small";
  p.textContent = `#${a.id} (cave ${a.cave}) × #${b.id} (cave ${b.cave}): ${value.toFixed(3)}`;
  hover.append(p);
}

function openPair(base, a, b) {
  const view = document.getElementById("pair-view");
  view.hidden = false;
  view.dataset.pair = `${a.id},${b.id}`;
  document.getElementById("pair-label").textContent = `#${a.id} · #${b.id}`;
  document.getElementById("pair-a").src = cropUrl(base, a, 300);
  document.getElementById("pair-b").src = cropUrl(base, b, 300);
  document.getElementById("overlay-a").src = cropUrl(base, a, 300);
  document.getElementById("overlay-b").src = cropUrl(base, b, 300);
}

document.getElementById("overlay-opacity")?.addEventListener("input", (e) => {
  document.getElementById("overlay-b").style.opacity = e.target.value;
});
document.getElementById("overlay-flip")?.addEventListener("change", (e) => {
  document.getElementById("overlay-b").classList.toggle("flipped", e.target.checked);
});

async function draw() {
  if (!canvas || !window.Chart) return;
  const response = await fetch(canvas.dataset.matrixUrl, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) {
    const error = document.getElementById("matrix-error");
    error.textContent = body.error;
    error.hidden = false;
    return;
  }
  const n = body.ids.length;
  const base = canvas.dataset.cropBase;
  const cells = [];
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) cells.push({ x: j, y: i, v: body.matrix[i][j] });
  }
  canvas.parentElement.style.height = `${Math.min(900, Math.max(300, n * 14 + 60))}px`;
  new window.Chart(canvas, {
    type: "matrix",
    data: {
      datasets: [{
        data: cells,
        backgroundColor: (c) => `rgba(140, 47, 27, ${Math.max(0, (c.raw && c.raw.v) || 0)})`,
        width: (c) => (c.chart.chartArea ? c.chart.chartArea.width / n : 0),
        height: (c) => (c.chart.chartArea ? c.chart.chartArea.height / n : 0),
      }],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: {
        x: { type: "linear", offset: false, min: -0.5, max: n - 0.5, ticks: { display: false }, grid: { display: false } },
        y: { type: "linear", offset: false, min: -0.5, max: n - 0.5, reverse: true, ticks: { display: false }, grid: { display: false } },
      },
      onHover: (event, elements) => {
        if (!elements.length) return;
        const c = cells[elements[0].index];
        showHover(base, body.elements[c.y], body.elements[c.x], c.v);
      },
      onClick: (event, elements) => {
        if (!elements.length) return;
        const c = cells[elements[0].index];
        openPair(base, body.elements[c.y], body.elements[c.x]);
      },
    },
  });
  canvas.dataset.ready = String(n);
}

draw();
