// Library charts (Chart.js 4 + chartjs-chart-matrix, vendored): counts per period on the period
// timeline (years on the axis, each period a band as wide as its years), per cave, period × cave
// heatmap, and the score histogram. Every chart reads /api/v1/library/<category>/stats/ and a
// click on a bar opens the gallery filtered to it (the URL holds the whole state).

const INK = "#8c2f1b";
const BAND = "#e2c48e";
const statsCache = new Map();

function stats(url) {
  if (!statsCache.has(url)) {
    statsCache.set(url, fetch(url, { headers: { Accept: "application/json" } }).then((r) => r.json()));
  }
  return statsCache.get(url);
}

// The gallery URL with `changes` applied: on the gallery itself the current filters are kept.
export function filteredUrl(galleryUrl, changes) {
  const here = new URL(window.location.href);
  const onGallery = here.pathname === new URL(galleryUrl, here).pathname;
  const url = onGallery ? here : new URL(galleryUrl, here);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  url.searchParams.delete("page");
  return url.toString();
}

function go(canvas, changes) {
  window.location.assign(filteredUrl(canvas.dataset.galleryUrl, changes));
}

function span(scale, from, to) {
  return Math.abs(scale.getPixelForValue(to) - scale.getPixelForValue(from));
}

function timeline(canvas, body) {
  const periods = body.by_period;
  const data = periods.map((p) => ({
    x: (p.start_year + p.end_year) / 2,
    y: p.count / 2,
    ...p,
  }));
  const years = periods.flatMap((p) => [p.start_year, p.end_year]);
  return new window.Chart(canvas, {
    type: "matrix",
    data: {
      datasets: [{
        label: "elements",
        data,
        backgroundColor: (c) => (c.raw && c.raw.count ? INK : BAND),
        borderColor: "#fff",
        borderWidth: 1,
        width: (c) => (c.chart.chartArea ? Math.max(2, span(c.chart.scales.x, c.raw.start_year, c.raw.end_year)) : 0),
        height: (c) => (c.chart.chartArea ? Math.max(4, span(c.chart.scales.y, 0, c.raw.count)) : 0),
      }],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => `${items[0].raw.name} ${items[0].raw.name_zh}`,
            label: (item) => `${item.raw.start_year}–${item.raw.end_year} CE: ${item.raw.count}`,
          },
        },
      },
      scales: {
        x: { type: "linear", offset: false, min: Math.min(...years) - 10, max: Math.max(...years) + 10, title: { display: true, text: "year CE" }, ticks: { callback: (v) => String(v) } },
        y: {
          type: "linear", reverse: false, beginAtZero: true, offset: false,
          suggestedMax: Math.max(1, ...periods.map((p) => p.count)) * 1.1,
          title: { display: true, text: "elements" },
        },
      },
      onClick: (event, elements) => {
        if (elements.length) go(canvas, { period: data[elements[0].index].period });
      },
    },
  });
}

function bars(canvas, labels, counts, onPick, title) {
  return new window.Chart(canvas, {
    type: "bar",
    data: { labels, datasets: [{ label: title, data: counts, backgroundColor: INK }] },
    options: {
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true } },
      onClick: (event, elements) => { if (elements.length) onPick(elements[0].index); },
    },
  });
}

function caves(canvas, body) {
  const rows = body.by_cave.slice(0, 30);
  return bars(canvas, rows.map((r) => `${r.site} ${r.cave}`), rows.map((r) => r.count),
    (i) => go(canvas, { site: rows[i].site, cave: String(rows[i].cave) }), "elements");
}

function scores(canvas, body) {
  const rows = body.score_histogram;
  return bars(canvas, rows.map((r) => `${r.low.toFixed(1)}–${r.high.toFixed(1)}`), rows.map((r) => r.count),
    (i) => go(canvas, { score_min: String(rows[i].low), score_max: String(rows[i].high) }), "elements");
}

function heatmap(canvas, body) {
  const caveLabels = body.by_cave.slice(0, 30).map((r) => `${r.site} ${r.cave}`);
  const periodRows = body.by_period.filter((p) => p.count);
  const periodLabels = periodRows.map((p) => p.name);
  const nameOf = Object.fromEntries(body.by_period.map((p) => [p.period, p.name]));
  const cells = body.by_period_cave
    .map((r) => ({ x: `${r.site} ${r.cave}`, y: nameOf[r.period], v: r.count, period: r.period, site: r.site, cave: r.cave }))
    .filter((c) => caveLabels.includes(c.x));
  const top = Math.max(1, ...cells.map((c) => c.v));
  return new window.Chart(canvas, {
    type: "matrix",
    data: {
      datasets: [{
        label: "period × cave",
        data: cells,
        backgroundColor: (c) => `rgba(140, 47, 27, ${0.15 + 0.85 * ((c.raw && c.raw.v) || 0) / top})`,
        width: (c) => (c.chart.chartArea ? c.chart.chartArea.width / Math.max(1, caveLabels.length) - 1 : 0),
        height: (c) => (c.chart.chartArea ? c.chart.chartArea.height / Math.max(1, periodLabels.length) - 1 : 0),
      }],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: () => "", label: (item) => `${item.raw.y}, ${item.raw.x}: ${item.raw.v}` } },
      },
      scales: {
        x: { type: "category", labels: caveLabels, offset: true, grid: { display: false } },
        y: { type: "category", labels: periodLabels, offset: true, grid: { display: false } },
      },
      onClick: (event, elements) => {
        if (!elements.length) return;
        const c = cells[elements[0].index];
        go(canvas, { period: c.period, site: c.site, cave: String(c.cave) });
      },
    },
  });
}

const DRAW = { timeline, caves, scores, heatmap };

async function draw(canvas) {
  if (canvas.dataset.drawn || !window.Chart) return;
  canvas.dataset.drawn = "1";
  const body = await stats(canvas.dataset.statsUrl);
  const existing = window.Chart.getChart(canvas);
  if (existing) existing.destroy();
  DRAW[canvas.dataset.chart](canvas, body);
  canvas.dataset.ready = "1";
}

function drawAll(root = document) {
  root.querySelectorAll("canvas.library-chart").forEach((canvas) => { draw(canvas); });
}

// The vendored scripts are deferred classic scripts; modules run after them.
drawAll();
document.body.addEventListener("htmx:afterSettle", () => drawAll());
