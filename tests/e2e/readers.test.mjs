// Readers in a real browser (Debian's Chromium, driven by playwright-core), with no script on
// the public site: search from the header; subscribe, confirm by the link the site sends (the
// demo has no mail server, so the message is in its log), comment on an article; the first
// comment waits for the newsroom, an editor approves it from the queue, and it is on the page.
// Screenshots go to tests/e2e/artifacts/.
//
// Run by the Rust test `browser_newsroom` (cargo test), which passes MASTHEAD_BIN.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, startDemo } from './demo.mjs';

const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
let server, base, ownerPassword, browser;
// What the server logged, for the messages it could not send.
const log = [];

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  ({ server, base, ownerPassword } = await startDemo({ onLog: (line) => log.push(line) }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

const shot = (page, name) => page.screenshot({ path: join(artifacts, name + '.png'), fullPage: true });

/// The path of the first link to `path` that the log holds, waiting a few seconds for it.
async function loggedLink(path) {
  for (let i = 0; i < 100; i++) {
    for (const line of log) {
      const found = line.match(new RegExp(path.replace(/\//g, '\\/') + '\\?t=[A-Za-z0-9_.-]+'));
      if (found) return found[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no link to ${path} in the log:\n${log.join('\n')}`);
}

test('a reader searches, subscribes, comments, and the newsroom approves the comment', async () => {
  const reader = await browser.newContext();
  const page = await reader.newPage();
  const scripts = [];
  page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });

  // Search from the header of any page.
  await page.goto(base);
  await page.fill('#site-search-q', 'river');
  await Promise.all([page.waitForURL(/\/search\?q=river/), page.press('#site-search-q', 'Enter')]);
  const results = await page.locator('.search-result').count();
  assert.ok(results > 0, 'the demo has articles about rivers');
  assert.match((await page.locator('.search-result mark').first().textContent()).toLowerCase(), /river/);
  await shot(page, '11-search');
  const articleUrl = new URL(await page.locator('.search-result h2 a').first().getAttribute('href'), base).href;

  // Subscribe, and confirm by the link the site sent.
  await page.goto(base + 'subscribe');
  await page.fill('#signup-email', 'reader@mail.example');
  await page.fill('#signup-name', 'Rea Der');
  await page.click('form.signup-form button[type=submit]');
  await page.waitForSelector('.reader-message');
  await page.goto(new URL(await loggedLink('/subscribe/confirm'), base).href);
  await Promise.all([page.waitForURL(/\/account/), page.click('form.reader-action button')]);

  // Comment on the article found: a first comment waits for the newsroom.
  await page.goto(articleUrl);
  await page.fill('#comment-text', 'Does the *second* figure include the tributaries?');
  await page.check('form.comment-form input[name=notify]');
  await page.click('form.comment-form button[type=submit]');
  await page.waitForSelector('h1:has-text("Your comment is waiting")');
  await shot(page, '12-comment-waiting');

  // An editor approves it in the queue.
  const newsroom = await browser.newContext();
  const admin = await newsroom.newPage();
  await admin.goto(base + 'admin/login');
  await admin.fill('#email', 'owner@meridian.example');
  await admin.fill('#password', ownerPassword);
  await Promise.all([admin.waitForURL('**/admin/'), admin.click('button[type=submit]')]);
  await admin.goto(base + 'admin/comments');
  assert.match(await admin.textContent('.comment-queue'), /tributaries/);
  await admin.check('.comment-queue input[name=id] >> nth=0');
  await shot(admin, '13-comment-queue');
  await Promise.all([admin.waitForURL(/done=/), admin.click('button[value=approve]')]);
  assert.match(await admin.textContent('.form-notice'), /1 approved/);

  // On the article page, for everyone.
  const anyone = await (await browser.newContext()).newPage();
  await anyone.goto(articleUrl + '#comments');
  assert.equal(await anyone.textContent('.comment .comment-author'), 'Rea Der');
  assert.equal(await anyone.textContent('.comment .comment-body em'), 'second');
  await shot(anyone, '14-comment-shown');

  // Known now, the reader's next comment is shown at once, where the browser lands.
  await page.goto(articleUrl);
  await page.fill('#comment-text', 'Thank you for the answer.');
  await Promise.all([page.waitForURL(/#comment-\d+$/), page.click('form.comment-form button[type=submit]')]);
  assert.equal(await page.locator('.comment .comment-body').count(), 2);
  assert.deepEqual(scripts.filter((s) => !s.includes('/admin')), [], 'the public pages ran no script');
});
