// Every page of the newsroom admin checked by axe-core against WCAG 2.2 AA (A and AA rules of
// 2.0, 2.1 and 2.2), in Debian's Chromium, light and dark. axe runs through the DevTools
// protocol, so the pages keep their strict CSP while it runs.
//
// Run by the Rust test `browser_newsroom` (cargo test), which passes MASTHEAD_BIN.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchChromium, startDemo } from './demo.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let server, base, ownerPassword, browser;

before(async () => {
  ({ server, base, ownerPassword } = await startDemo());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function violations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

test('every admin page passes axe-core (WCAG 2.2 AA), in light and dark', async () => {
  const found = [];
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(base + 'admin/login');
    found.push(...(await violations(page)).map((v) => `${scheme} /admin/login: ${v}`));
    await page.goto(base + 'admin/forgot');
    found.push(...(await violations(page)).map((v) => `${scheme} /admin/forgot: ${v}`));
    await page.goto(base + 'admin/login');
    await page.fill('#email', 'owner@meridian.example');
    await page.fill('#password', ownerPassword);
    await Promise.all([page.waitForURL('**/admin/'), page.click('button[type=submit]')]);
    await page.goto(base + 'admin/articles');
    const edit = await page.getAttribute('table.articles tbody a', 'href');
    const paths = ['admin/', 'admin/articles', 'admin/articles/new', edit.slice(1), edit.slice(1) + '/revisions',
      'admin/media', 'admin/authors', 'admin/terms', 'admin/outlets', 'admin/sources', 'admin/queue', 'admin/comments',
      'admin/members', 'admin/newsletters', 'admin/sends', 'admin/digests', 'admin/republications', 'admin/audit',
      'admin/staff', 'admin/settings', 'admin/tokens', 'admin/pages', 'admin/pages/new', 'admin/front'];
    await page.goto(base + 'admin/terms');
    paths.push((await page.getAttribute('table.records tbody a', 'href')).slice(1));
    await page.goto(base + 'admin/media');
    const image = await page.getAttribute('.media-item a[href^="/admin/media/"]', 'href').catch(() => null);
    if (image) paths.push(image.slice(1));
    for (const path of paths) {
      const response = await page.goto(base + path);
      assert.equal(response.status(), 200, path);
      // Let the editor and the pickers mount.
      await page.waitForLoadState('networkidle');
      found.push(...(await violations(page)).map((v) => `${scheme} /${path}: ${v}`));
    }
    await context.close();
  }
  assert.deepEqual(found, [], 'accessibility violations:\n' + found.join('\n'));
});
