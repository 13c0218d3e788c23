#!/usr/bin/env node
// Checks the JavaScript reference solutions against the seed's test cases,
// which gen_cases.py computed with the Python ones: both languages must
// agree on every case under the question's comparison mode.
//
//     node check_cases.js
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

const here = __dirname;
const reference = path.join(here, "..", "..", "..", "execution", "internal", "harness", "testdata", "reference");
const questions = JSON.parse(fs.readFileSync(path.join(here, "questions.json"), "utf8"));

function ListNode(val, next) {
  this.val = val ?? 0;
  this.next = next ?? null;
}
function TreeNode(val, left, right) {
  this.val = val ?? 0;
  this.left = left ?? null;
  this.right = right ?? null;
}

function toList(values) {
  let head = null;
  for (let i = values.length - 1; i >= 0; i--) head = new ListNode(values[i], head);
  return head;
}
function fromList(node) {
  const out = [];
  for (; node; node = node.next) out.push(node.val);
  return out;
}
function toTree(values) {
  if (!values.length || values[0] === null) return null;
  const root = new TreeNode(values[0]);
  const queue = [root];
  let i = 1;
  for (let q = 0; q < queue.length && i < values.length; q++) {
    for (const side of ["left", "right"]) {
      if (i < values.length && values[i] !== null) {
        queue[q][side] = new TreeNode(values[i]);
        queue.push(queue[q][side]);
      }
      i++;
    }
  }
  return root;
}
function fromTree(root) {
  const out = [];
  const queue = [root];
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q];
    if (!node) {
      out.push(null);
      continue;
    }
    out.push(node.val);
    queue.push(node.left, node.right);
  }
  while (out.length && out[out.length - 1] === null) out.pop();
  return out;
}

const toArg = (type, v) =>
  type === "ListNode" ? toList(v) : type === "ListNode[]" ? v.map(toList) : type === "TreeNode" ? toTree(v) : structuredClone(v);
const fromResult = (type, v) => (type === "ListNode" ? fromList(v) : type === "TreeNode" ? fromTree(v) : v);

// libs/signature's comparison modes.
const canon = (v, deep) => {
  if (!Array.isArray(v)) return JSON.stringify(v);
  const items = v.map((x) => canon(x, deep));
  return "[" + (deep ? items.sort() : items).join(",") + "]";
};
function equal(mode, expected, actual) {
  switch (mode) {
    case "unordered":
      return Array.isArray(actual) && JSON.stringify(expected.map((x) => canon(x, false)).sort()) === JSON.stringify(actual.map((x) => canon(x, false)).sort());
    case "unordered_deep":
      return canon(expected, true) === canon(actual, true);
    case "float": {
      const d = Math.abs(expected - actual);
      return typeof actual === "number" && (d <= 1e-5 || d <= 1e-5 * Math.max(Math.abs(expected), Math.abs(actual)));
    }
    default:
      return canon(expected, false) === canon(actual, false);
  }
}

const slugify = (title) =>
  title.toLowerCase().replace(/['’]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");

let failed = 0;
let checked = 0;
for (const q of questions) {
  const slug = slugify(q.title);
  const m = /^(\w+)\((.*)\) (\S+)$/.exec(q.signature);
  const [name, returns] = [m[1], m[3]];
  const types = m[2].split(",").filter((p) => p.trim()).map((p) => p.trim().split(" ")[1]);
  const file = path.join(reference, slug + ".js");
  const context = vm.createContext({ ListNode, TreeNode, structuredClone });
  vm.runInContext(fs.readFileSync(file, "utf8") + `\n;globalThis.__solution = ${name};`, context, { filename: file });
  const fn = context.__solution;
  const started = process.hrtime.bigint();
  for (const [i, c] of (q.test_cases || []).entries()) {
    checked++;
    let got;
    try {
      got = fromResult(returns, fn(...c.input.map((v, j) => toArg(types[j], v))));
    } catch (e) {
      failed++;
      console.log(`${slug} case ${i}: ${e}`);
      continue;
    }
    if (!equal(q.compare || "exact", c.expected, got)) {
      failed++;
      console.log(`${slug} case ${i}: got ${JSON.stringify(got).slice(0, 200)}, want ${JSON.stringify(c.expected).slice(0, 200)}`);
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${slug.padEnd(50)} ${String((q.test_cases || []).length).padStart(2)} cases ${ms.toFixed(2).padStart(6)} ms`);
}
console.log(`${checked} cases, ${failed} disagree`);
process.exit(failed ? 1 : 0);
