// Lists the licence of every installed package under node_modules and fails
// when one is not permissive (no GPL, AGPL, LGPL, MPL, SSPL, EUPL, CDDL, and
// nothing unknown).  No dependency: it reads each package's package.json.
//
//   node scripts/licences.mjs        (npm run licences)

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

// SPDX identifiers taken as permissive.
const ALLOWED = new Set([
  "MIT",
  "MIT-0",
  "ISC",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "0BSD",
  "Apache-2.0",
  "CC0-1.0",
  "BlueOak-1.0.0",
  "Unlicense",
  "Zlib",
]);

// Evaluates an SPDX expression: OR needs one allowed side, AND needs both.
function allowed(expression) {
  const tokens = expression.replace(/[()]/g, (p) => ` ${p} `).trim().split(/\s+/);
  let i = 0;
  function primary() {
    const t = tokens[i++];
    if (t === "(") {
      const v = or();
      if (tokens[i++] !== ")") throw new Error(`unbalanced: ${expression}`);
      return v;
    }
    if (t == null) throw new Error(`truncated: ${expression}`);
    // "X WITH exception" keeps X's standing.
    if (tokens[i] === "WITH") i += 2;
    return ALLOWED.has(t.replace(/\+$/, ""));
  }
  function and() {
    let v = primary();
    while (tokens[i] === "AND") {
      i++;
      v = primary() && v;
    }
    return v;
  }
  function or() {
    let v = and();
    while (tokens[i] === "OR") {
      i++;
      v = and() || v;
    }
    return v;
  }
  try {
    const v = or();
    return i === tokens.length && v;
  } catch {
    return false;
  }
}

function licenceOf(pkg) {
  if (typeof pkg.license === "string") return pkg.license;
  if (pkg.license && typeof pkg.license.type === "string") return pkg.license.type;
  if (Array.isArray(pkg.licenses)) {
    const types = pkg.licenses.map((l) => (typeof l === "string" ? l : l?.type)).filter(Boolean);
    if (types.length > 0) return types.length === 1 ? types[0] : `(${types.join(" OR ")})`;
  }
  return null;
}

// Every package directory under a node_modules folder, nested ones included.
function* packages(nodeModules) {
  if (!existsSync(nodeModules)) return;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dir = join(nodeModules, entry.name);
    if (entry.name.startsWith("@")) {
      for (const scoped of readdirSync(dir, { withFileTypes: true })) {
        if (scoped.isDirectory()) yield* packageAt(join(dir, scoped.name));
      }
    } else {
      yield* packageAt(dir);
    }
  }
}

function* packageAt(dir) {
  const manifest = join(dir, "package.json");
  if (existsSync(manifest)) {
    const pkg = JSON.parse(readFileSync(manifest, "utf8"));
    yield { dir, pkg };
  }
  yield* packages(join(dir, "node_modules"));
}

const rows = [];
for (const { dir, pkg } of packages(join(ROOT, "node_modules"))) {
  const licence = licenceOf(pkg);
  rows.push({
    name: `${pkg.name}@${pkg.version}`,
    licence: licence ?? "(none)",
    ok: licence != null && allowed(licence),
    path: relative(ROOT, dir),
  });
}
rows.sort((x, y) => x.path.localeCompare(y.path));

if (rows.length === 0) {
  console.error("no packages under node_modules: run `npm ci` first");
  process.exit(1);
}
const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) console.log(`${r.ok ? "ok " : "BAD"}  ${r.name.padEnd(width)}  ${r.licence}`);
const bad = rows.filter((r) => !r.ok);
console.log(`\n${rows.length} packages, ${bad.length} not permissive`);
if (bad.length > 0) {
  for (const r of bad) console.error(`not permissive: ${r.name} (${r.licence}) at ${r.path}`);
  process.exit(1);
}
