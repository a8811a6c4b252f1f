// Lists every package in node_modules and in the lockfile with its licence, and fails when one
// is not MIT, Apache-2.0, BSD or ISC (no GPL or AGPL anywhere in the tree). `npm run licences`.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ALLOWED = /^(MIT|Apache-2\.0|BSD-2-Clause|BSD-3-Clause|0BSD|ISC)$/;

function accepted(licence) {
  if (typeof licence !== 'string' || !licence) return false;
  const terms = licence.replace(/[()]/g, '').split(/\s+(?:OR|AND)\s+/);
  // "A OR B" needs one acceptable choice; "A AND B" needs both.
  if (/\sAND\s/.test(licence)) return terms.every((t) => ALLOWED.test(t));
  return terms.some((t) => ALLOWED.test(t));
}

const found = new Map();
function walk(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (entry.startsWith('@')) {
      walk(path);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    found.set(`${pkg.name}@${pkg.version}`, pkg.license || (pkg.licenses && pkg.licenses.map((l) => l.type).join(' OR ')) || '');
    walk(join(path, 'node_modules'));
  }
}
walk(join(here, 'node_modules'));

// Packages the lockfile names but this machine did not install (other platforms' esbuild).
const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
for (const [path, entry] of Object.entries(lock.packages)) {
  if (!path) continue;
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const key = `${name}@${entry.version}`;
  if (!found.has(key)) found.set(key, entry.license || '');
}

let bad = 0;
for (const [key, licence] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
  const ok = accepted(licence);
  if (!ok) bad += 1;
  console.log(`${ok ? 'ok ' : 'BAD'} ${key} ${licence || '(none)'}`);
}
console.log(`${found.size - bad} passed, ${bad} failed`);
process.exit(bad ? 1 : 0);
