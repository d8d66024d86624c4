#!/usr/bin/env node
// Build static/map/world.svg and static/map/world.json from the vendored Natural
// Earth shapes (static/vendor/world-atlas) with the vendored d3-geo and
// topojson-client: run once (`make world-map`), commit its output; nothing here runs
// when a page is served.
//
// world.svg: one <path id="nNNN"> per country of the 1:110m shapes (ISO 3166-1
// numeric id), projected with Equal Earth and fitted to a 1000-wide box, plus one
// <circle id="nNNN"> for each country that only the 1:50m shapes have (Singapore,
// Hong Kong, Malta, …): too small to draw, but a page can still mark and link it.
// Pages draw countries with <use href="world.svg#nNNN">, so the shapes are fetched
// once and cached, and a page carries only its links and classes.
// world.json: the box, each id's anchor (the centroid of its largest part, so that
// France's is in France, not between it and French Guiana) for the lines between a
// bilateral mechanism's countries and the tooltips, and the small countries' ids.
"use strict";

const fs = require("fs");
const path = require("path");
const Module = require("module");

const ROOT = path.join(__dirname, "..");
const VENDOR = path.join(ROOT, "static", "vendor");
const OUT = path.join(ROOT, "static", "map");
const WIDTH = 1000;
const DOT_RADIUS = 3;
// Countries smaller than this (in square units of the 1000-wide map: Belgium is
// about 26, Taiwan 30, Switzerland 40) are hard to see or hit: pages mark them with
// a dot as well.
const SMALL_AREA = 32;

// d3-geo's UMD build requires "d3-array" by name: answer with the vendored copy.
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "d3-array") {
    request = path.join(VENDOR, "d3-array", "d3-array.min.js");
  }
  return resolve.call(this, request, ...rest);
};
const d3 = require(path.join(VENDOR, "d3-geo", "d3-geo.min.js"));
const topojson = require(path.join(VENDOR, "topojson-client", "topojson-client.min.js"));

function countries(file) {
  const topology = JSON.parse(fs.readFileSync(path.join(VENDOR, "world-atlas", file)));
  return topojson.feature(topology, topology.objects.countries).features;
}

// Parts of a country that Natural Earth draws apart and ISO 3166-1 does not list:
// drawn as part of the country ISO places them in. Kosovo has no ISO code (XK is a
// user-assigned one django-countries does not carry): drawn as land, never linked.
const PART_OF = { "N. Cyprus": "196", Somaliland: "706" };
const ANTARCTICA = "010"; // nothing in the directory is there; it would take a fifth of the map

const features110m = countries("countries-110m.json").filter((f) => f.id !== ANTARCTICA);
const shapes = new Map();
for (const feature of features110m) {
  const id = feature.id || PART_OF[feature.properties.name] || null;
  const key = id || `x-${feature.properties.name}`;
  if (!shapes.has(key)) shapes.set(key, { id, features: [] });
  shapes.get(key).features.push(feature);
}

const projection = d3.geoEqualEarth().fitWidth(WIDTH, {
  type: "FeatureCollection",
  features: features110m,
});
const geoPath = d3.geoPath(projection).digits(1);
const bounds = geoPath.bounds({ type: "FeatureCollection", features: features110m });
const height = Math.ceil(bounds[1][1] + 1);

function largestPart(features) {
  const polygons = features.flatMap((f) =>
    f.geometry.type === "Polygon"
      ? [f.geometry.coordinates]
      : f.geometry.coordinates,
  );
  return polygons
    .map((coordinates) => ({ type: "Polygon", coordinates }))
    .reduce((a, b) => (geoPath.area(a) >= geoPath.area(b) ? a : b));
}

function rounded([x, y]) {
  return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
}

const anchors = {};
const dots = {};
const small = [];
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}">`,
  "<!-- Natural Earth 1:110m and 1:50m country shapes (public domain) via world-atlas",
  "     (ISC); Equal Earth projection by d3-geo (ISC). Built by bin/build_world_map.js. -->",
  '<g id="land">',
];
const sorted = [...shapes.values()].sort((a, b) =>
  String(a.id).localeCompare(String(b.id)),
);
for (const { id, features } of sorted) {
  const d = features.map((f) => geoPath(f)).join("");
  svg.push(id ? `<path id="n${id}" d="${d}"/>` : `<path d="${d}"/>`);
  if (id) anchors[id] = rounded(geoPath.centroid(largestPart(features)));
  if (id && d3.geoPath(projection).area({ type: "FeatureCollection", features }) < SMALL_AREA) {
    small.push(id);
  }
}
svg.push("</g>", '<g id="dots">');
for (const feature of countries("countries-50m.json")) {
  if (!feature.id || shapes.has(feature.id)) continue;
  const [x, y] = rounded(geoPath.centroid(feature));
  if (!Number.isFinite(x)) continue;
  dots[feature.id] = [x, y];
  svg.push(`<circle id="n${feature.id}" cx="${x}" cy="${y}" r="${DOT_RADIUS}"/>`);
}
svg.push("</g>", "</svg>", "");

fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, "world.svg"), svg.join("\n"));
fs.writeFileSync(
  path.join(OUT, "world.json"),
  JSON.stringify({ width: WIDTH, height, shapes: anchors, dots, small }) + "\n",
);
console.log(
  `static/map/world.svg: ${Object.keys(anchors).length} shapes, ` +
    `${Object.keys(dots).length} dots, ${small.length} small, ${WIDTH}×${height}`,
);
