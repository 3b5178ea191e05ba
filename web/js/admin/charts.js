// Hand-written SVG charts, no library: a line chart (periods over time, one or more
// series), a bar chart (one series per period) and a horizontal bar list (ranked items).
// Each is drawn at the width its box really has (redrawn when it changes), so the text stays
// readable on a phone, and comes with its figures as a table for screen readers and for
// anyone who wants the exact numbers.

import { t } from "../i18n.js";
import { h } from "../ui.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 56 };

function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// Round axis steps: 4 or 5 lines of 1, 2, 2.5 or 5 × 10^n.
export function ticks(max) {
  if (!(max > 0)) return [0, 1];
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough);
  const out = [];
  for (let value = 0; value < max + step; value += step) {
    out.push(value);
    if (value >= max) break;
  }
  return out;
}

function frame(width, top, formatY) {
  const inner = HEIGHT - PAD.top - PAD.bottom;
  const y = (value) => PAD.top + inner - (value / top) * inner;
  const grid = s("g", { class: "grid" });
  for (const value of ticks(top)) {
    if (value > top) break;
    grid.append(
      s("line", { x1: PAD.left, x2: width - PAD.right, y1: y(value), y2: y(value) }),
      s("text", { x: PAD.left - 6, y: y(value) + 4, "text-anchor": "end" }, document.createTextNode(formatY(value))));
  }
  return { y, grid };
}

function xLabels(labels, x, width) {
  const group = s("g", { class: "x-labels" });
  const room = Math.max(1, Math.floor((width - PAD.left - PAD.right) / 64));
  const every = Math.max(1, Math.ceil(labels.length / room));
  // Every `every`-th label, and the last one when there is room after the one before it.
  const lastShown = labels.length - 1 - ((labels.length - 1) % every);
  labels.forEach((label, index) => {
    const last = index === labels.length - 1 && index - lastShown >= Math.ceil(every / 2);
    if (index % every !== 0 && !last) return;
    // The end labels keep inside the drawing.
    const anchor = labels.length > 1 && index === 0 ? "start" : index === labels.length - 1 && labels.length > 1 ? "end" : "middle";
    group.append(s("text", { x: x(index), y: HEIGHT - 8, "text-anchor": anchor }, document.createTextNode(label)));
  });
  return group;
}

function drawLine(box, { labels, series, formatY }) {
  const width = Math.max(280, box.clientWidth || 600);
  const max = Math.max(0, ...series.flatMap((one) => one.values));
  const top = ticks(max).at(-1) || 1;
  const { y, grid } = frame(width, top, formatY);
  const span = Math.max(1, labels.length - 1);
  const x = (index) => PAD.left + (labels.length === 1 ? (width - PAD.left - PAD.right) / 2 : (index / span) * (width - PAD.left - PAD.right));
  const svg = s("svg", { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, "aria-hidden": "true", focusable: "false" }, grid);
  series.forEach((one, number) => {
    const points = one.values.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`);
    if (number === 0 && points.length > 1) {
      svg.append(s("path", { class: `area series-${number}`, d: `M${x(0)},${y(0)} L${points.join(" L")} L${x(labels.length - 1)},${y(0)} Z` }));
    }
    svg.append(s("polyline", { class: `line series-${number}`, points: points.join(" "), fill: "none" }));
    // A dot per period where there is room for it (its <title> names the figure on hover).
    if ((width - PAD.left - PAD.right) / labels.length >= 9) {
      one.values.forEach((value, index) => svg.append(s("circle", { class: `dot series-${number}`, cx: x(index), cy: y(value), r: 3 },
        s("title", {}, document.createTextNode(`${labels[index]}: ${one.format(value)}`)))));
    }
  });
  svg.append(xLabels(labels, x, width));
  box.replaceChildren(svg);
}

function drawBars(box, { labels, series, formatY }) {
  const width = Math.max(280, box.clientWidth || 600);
  const values = series[0].values;
  const top = ticks(Math.max(0, ...values)).at(-1) || 1;
  const { y, grid } = frame(width, top, formatY);
  const slot = (width - PAD.left - PAD.right) / Math.max(1, labels.length);
  const bar = Math.max(2, Math.min(36, slot * 0.7));
  const x = (index) => PAD.left + slot * index + slot / 2;
  const svg = s("svg", { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, "aria-hidden": "true", focusable: "false" }, grid);
  values.forEach((value, index) => {
    svg.append(s("rect", { class: "bar series-0", x: (x(index) - bar / 2).toFixed(1), y: y(value).toFixed(1), width: bar.toFixed(1),
      height: Math.max(0, y(0) - y(value)).toFixed(1), rx: 2 },
    s("title", {}, document.createTextNode(`${labels[index]}: ${series[0].format(value)}`))));
  });
  svg.append(xLabels(labels, x, width));
  box.replaceChildren(svg);
}

function dataTable(caption, labels, series, labelHead) {
  return h("details", { class: "chart-data" },
    h("summary", {}, t("admin.chart.table")),
    h("div", { class: "admin-table-wrap" },
      h("table", { class: "figures" },
        h("caption", { class: "visually-hidden" }, caption),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, labelHead), series.map((one) => h("th", { scope: "col", class: "num" }, one.name)))),
        h("tbody", {}, labels.map((label, index) => h("tr", {},
          h("th", { scope: "row" }, label),
          series.map((one) => h("td", { class: "num" }, one.format(one.values[index])))))))));
}

// chart({kind: "line" | "bar", title, labels, series: [{name, values, format}], formatY,
// summary, labelHead}): a <figure> with the drawing, a legend and the data table.
export function chart({ kind = "line", title, labels, series, formatY, summary, labelHead }) {
  const box = h("div", { class: `chart-box chart-${kind}`, role: "img", "aria-label": summary || title });
  const draw = () => (kind === "bar" ? drawBars : drawLine)(box, { labels, series, formatY: formatY || series[0].format });
  const figure = h("figure", { class: "chart" },
    h("figcaption", {}, title),
    series.length > 1 ? h("ul", { class: "legend", "aria-hidden": "true" }, series.map((one, index) => h("li", {},
      h("span", { class: `swatch series-${index}` }), one.name))) : null,
    box,
    dataTable(title, labels, series, labelHead || t("admin.chart.period")));
  let lastWidth = 0;
  // Redrawn at the box's real width once it is laid out, and when that width changes.
  const observer = new ResizeObserver(() => {
    if (!box.isConnected || Math.abs(box.clientWidth - lastWidth) < 8) return;
    lastWidth = box.clientWidth;
    draw();
  });
  observer.observe(box);
  draw();
  return figure;
}

// A ranked list drawn as horizontal bars (HTML: long names wrap instead of being cut).
// items: [{label, href?, value, text}]
export function ranking({ title, items, empty }) {
  const max = Math.max(0, ...items.map((item) => item.value));
  return h("figure", { class: "chart ranking" },
    h("figcaption", {}, title),
    items.length
      ? h("ol", {}, items.map((item) => {
        const fill = h("span", { class: "ranking-fill" });
        fill.style.width = `${max > 0 ? Math.max(1, (item.value / max) * 100) : 0}%`;
        return h("li", {},
          h("span", { class: "ranking-label" }, item.href ? h("a", { href: item.href }, item.label) : item.label),
          h("span", { class: "ranking-value" }, item.text),
          h("span", { class: "ranking-track", "aria-hidden": "true" }, fill));
      }))
      : h("p", { class: "muted" }, empty));
}
