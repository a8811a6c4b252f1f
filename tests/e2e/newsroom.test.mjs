// The newsroom in a real browser (Debian's Chromium, driven by playwright-core): sign in with
// the credentials `serve --demo` prints, write an article, preview it, upload its image,
// schedule it, publish it, read it on the public site; a contributor cannot publish; a late
// save gets the conflict page. Screenshots go to tests/e2e/artifacts/.
//
// Run by the Rust test `browser_newsroom` (cargo test), which passes MASTHEAD_BIN.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, startDemo } from './demo.mjs';

const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const CONTRIBUTOR_PASSWORD = 'a contributor passphrase';

let server, base, ownerPassword, browser;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  let bin, data;
  ({ bin, data, server, base, ownerPassword } = await startDemo());
  execFileSync(bin, ['user', 'add', '--data', data, '--email', 'contributor@meridian.example', '--name', 'Con Tributor',
    '--role', 'contributor', '--author', 'ana-petrovic', '--password-stdin'], { input: CONTRIBUTOR_PASSWORD + '\n' });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function signIn(page, email, password) {
  await page.goto(base + 'admin/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/admin/'), page.click('button[type=submit]')]);
}

const shot = (page, name) => page.screenshot({ path: join(artifacts, name + '.png'), fullPage: true });

// Types `text` into the rich-text editor, in place of what it holds; Markdown's marks (`*a*`,
// `**b**`, `## `) are the editor's shortcuts.
async function write(page, text) {
  await page.click('.ProseMirror');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

// Chooses an author in the byline picker by typing part of the name.
async function pickAuthor(page, name) {
  await page.fill('fieldset.authors .picker-search', name);
  await page.keyboard.press('Enter');
}

test('an editor writes, previews, illustrates, schedules and publishes an article', async () => {
  const page = await browser.newPage();
  await signIn(page, 'owner@meridian.example', ownerPassword);
  await shot(page, '01-dashboard');

  await page.goto(base + 'admin/articles/new');
  await page.fill('#title', 'Rivers without borders');
  await write(page, 'The *Danube* runs through ten countries.\nEach one counts its water differently.');
  await pickAuthor(page, 'Ana');
  await Promise.all([page.waitForURL(/\/admin\/articles\/\d+$/), page.click('button[value=save]')]);
  const editUrl = page.url();

  // The editor shows the text as it will look, and the form sends it as HTML.
  await write(page, 'The *Danube* runs through ten countries, **and** more.');
  assert.equal(await page.textContent('.ProseMirror em'), 'Danube');
  assert.match(await page.inputValue('#body'), /<strong>and<\/strong>/);
  assert.equal(await page.inputValue('input[name=body_format]'), 'html');
  await shot(page, '02-editor');

  await page.setInputFiles('#file', { name: 'river.png', mimeType: 'image/png', buffer: PNG });
  await page.fill('#alt', 'A river at dawn');
  await page.fill('#credit', 'Photo: The Meridian');
  await Promise.all([page.waitForURL(editUrl), page.click('form.upload button[type=submit]')]);
  assert.notEqual(await page.inputValue('#featured_media_id'), '', 'the image is the featured image');

  await page.fill('#publish_at', '2099-01-01T09:00');
  await page.click('button[value=schedule]');
  await page.waitForSelector('.form-notice');
  assert.equal(await page.textContent('.form-notice'), 'Scheduled.');
  assert.equal(await page.textContent('.status'), 'scheduled');
  await shot(page, '03-scheduled');

  await page.click('button[value=publish]');
  await page.waitForSelector('.form-notice');
  assert.equal(await page.textContent('.form-notice'), 'Published.');

  await page.goto(base + 'article/rivers-without-borders');
  assert.equal((await page.textContent('h1.headline')).trim(), 'Rivers without borders');
  assert.match(await page.getAttribute('figure.featured img', 'src'), /^\/media\/uploads\//);
  assert.equal(await page.textContent('figure.featured figcaption'), 'Photo: The Meridian');
  await shot(page, '04-published');
  await page.close();
});

test('a contributor writes a draft but is offered no way to publish it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'contributor@meridian.example', CONTRIBUTOR_PASSWORD);
  await page.goto(base + 'admin/articles/new');
  await page.fill('#title', 'A contributor draft');
  await write(page, 'Draft text.');
  await Promise.all([page.waitForURL(/\/admin\/articles\/\d+$/), page.click('button[value=save]')]);
  assert.equal(await page.locator('button[value=publish]').count(), 0);
  assert.equal(await page.locator('button[value=schedule]').count(), 0);
  await shot(page, '05-contributor');
  const response = await page.goto(base + 'article/a-contributor-draft');
  assert.equal(response.status(), 404, 'not on the public site');
  await context.close();
});

test('a late save shows the conflict page and overwrites nothing', async () => {
  const context = await browser.newContext();
  const first = await context.newPage();
  await signIn(first, 'owner@meridian.example', ownerPassword);
  await first.goto(base + 'admin/articles/new');
  await first.fill('#title', 'Shared story');
  await write(first, 'Start.');
  await pickAuthor(first, 'Ana');
  await Promise.all([first.waitForURL(/\/admin\/articles\/\d+$/), first.click('button[value=save]')]);
  const second = await context.newPage();
  await second.goto(first.url());

  await first.fill('#title', 'Shared story, first editor');
  await first.click('button[value=save]');
  await first.waitForSelector('.form-notice');

  await second.fill('#title', 'Shared story, second editor');
  await second.click('button[value=save]');
  await second.waitForSelector('h1');
  assert.equal(await second.textContent('h1'), 'Someone else saved this article while you were editing');
  assert.equal(await second.textContent('.conflict-theirs .conflict-title'), 'Shared story, first editor');
  assert.equal(await second.textContent('.conflict-yours .conflict-title'), 'Shared story, second editor');
  await shot(second, '06-conflict');
  await context.close();
});
