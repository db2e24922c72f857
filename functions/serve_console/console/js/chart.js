// Bar charts drawn as inline SVG by this code (no chart library, nothing from a CDN), each with a
// table of the same figures for screen readers and for reading exact values.
import { h, table } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";

/** @param {string} tag @param {Record<string, string | number>} attributes @param {...(SVGElement | string)} children */
function s(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/**
 * Grouped bars per label (months), one colour per series, with a legend and the exact table.
 * @param {string} title
 * @param {string[]} labels
 * @param {{name: string, values: number[], css: string}[]} series
 * @param {(value: number) => string} [format]
 */
export function barChart(title, labels, series, format = (v) => String(v)) {
  const width = 640, height = 220, left = 48, bottom = 28, top = 12;
  const max = Math.max(1, ...series.flatMap((one) => one.values));
  const slot = (width - left) / Math.max(1, labels.length);
  const bar = Math.max(2, (slot - 6) / series.length);
  const y = (/** @type {number} */ v) => top + (height - top - bottom) * (1 - v / max);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "", class: "chart" });
  svg.append(s("title", {}, `${title}: the table below has every figure`));
  for (const fraction of [0, 0.5, 1]) {
    const value = max * fraction;
    svg.append(s("line", { x1: left, x2: width, y1: y(value), y2: y(value), class: "grid" }));
    svg.append(s("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", class: "axis" }, format(Math.round(value))));
  }
  labels.forEach((label, i) => {
    series.forEach((one, j) => {
      const value = one.values[i];
      const x = left + i * slot + 3 + j * bar;
      const rect = s("rect", { x, y: y(value), width: bar - 1, height: Math.max(0, y(0) - y(value)), class: one.css });
      rect.append(s("title", {}, `${label} ${one.name}: ${format(value)}`));
      svg.append(rect);
    });
    if (i % Math.ceil(labels.length / 12) === 0) {
      svg.append(s("text", { x: left + i * slot + slot / 2, y: height - 8, "text-anchor": "middle", class: "axis" }, label.slice(2)));
    }
  });
  const legend = h("ul", { class: "legend", "aria-hidden": "true" }, series.map((one) => h("li", null, h("span", { class: `key ${one.css}` }), one.name)));
  const details = h(
    "details",
    null,
    h("summary", null, `${title}: exact figures`),
    table(`${title}, per month`, ["Month", ...series.map((one) => one.name)], labels.map((label, i) => ({ label, i })), ({ label, i }) => [
      label,
      ...series.map((one) => format(one.values[i])),
    ]),
  );
  return h("figure", { class: "card chart-card" }, h("figcaption", null, h("h3", null, title)), svg, legend, details);
}
