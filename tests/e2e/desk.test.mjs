// The writing desk in a real browser (Debian's Chromium, driven by playwright-core): write in
// the rich-text editor with headings, an image dropped in and an embed; autosave, close the
// tab, and get the work back; a full-page preview and a preview link for someone outside;
// publish and read it, the embed loaded only on a click; file articles in bulk; delete one.
// Nothing leaves loopback: the embedded player's host is answered by the test itself.
//
// Run by the Rust test `browser_newsroom` (cargo test), which passes MASTHEAD_BIN.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, startDemo } from './demo.mjs';

const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
// A 1×1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const VIDEO = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';

let server, base, ownerPassword, browser;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  ({ server, base, ownerPassword } = await startDemo());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

const shot = (page, name) => page.screenshot({ path: join(artifacts, name + '.png'), fullPage: true });

async function signIn(page) {
  await page.goto(base + 'admin/login');
  await page.fill('#email', 'owner@meridian.example');
  await page.fill('#password', ownerPassword);
  await Promise.all([page.waitForURL('**/admin/'), page.click('button[type=submit]')]);
}

// Drops an image file onto the editor, as a writer drags one from their desktop.
async function dropImage(page) {
  await page.evaluate((png) => {
    const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
    const file = new File([bytes], 'well.png', { type: 'image/png' });
    const dt = new DataTransfer();
    dt.items.add(file);
    const target = document.querySelector('.ProseMirror');
    const box = target.getBoundingClientRect();
    const at = { bubbles: true, cancelable: true, dataTransfer: dt, clientX: box.left + 20, clientY: box.bottom - 10 };
    target.dispatchEvent(new DragEvent('dragenter', at));
    target.dispatchEvent(new DragEvent('dragover', at));
    target.dispatchEvent(new DragEvent('drop', at));
  }, PNG);
}

test('a writer writes with headings, an image and an embed, loses nothing, previews, publishes, files and deletes', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await signIn(page);

  await page.goto(base + 'admin/articles/new');
  // Images written before the editor (Markdown's, imported figures) are kept as image cards.
  const kept = await page.evaluate(() => {
    const { editor } = window.mastheadEditor;
    editor.commands.setContent('<figure><img src="/media/old.jpg" alt="Old"><figcaption>A caption</figcaption></figure><p>Text <img src="/media/loose.jpg" alt="Loose"> more</p>');
    const html = editor.getHTML();
    editor.commands.setContent('');
    return html;
  });
  assert.match(kept, /<figure class="image"><img src="\/media\/old.jpg" alt="Old"><figcaption>A caption<\/figcaption><\/figure>/);
  assert.match(kept, /<figure class="image"><img src="\/media\/loose.jpg" alt="Loose"><\/figure>/);
  await page.fill('#title', 'Wells of the north');
  await page.click('.ProseMirror');
  await page.keyboard.type('## Findings');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Wells dried in the north this summer.');
  await page.fill('fieldset.authors .picker-search', 'Ana');
  await page.keyboard.press('Enter');
  assert.equal(await page.textContent('fieldset.authors .picker-chosen .picker-name'), 'Ana Petrović');
  await Promise.all([page.waitForURL(/\/admin\/articles\/\d+$/), page.click('button[value=save]')]);
  const editUrl = page.url();
  assert.match(await page.inputValue('#body'), /^<h2>Findings<\/h2><p>Wells dried in the north this summer\.<\/p>/);

  // An image dragged in: its details asked first, then uploaded, then a figure in the text.
  await page.click('.ProseMirror p');
  await page.keyboard.press('End');
  await dropImage(page);
  await page.waitForSelector('dialog.mh-dialog');
  const dialog = page.locator('dialog.mh-dialog');
  await dialog.getByLabel(/^Alt text/).fill('A dry well near Gao');
  await dialog.getByLabel('Credit', { exact: true }).fill('Photo: The Meridian');
  await dialog.getByLabel('May travel with republished copies').uncheck();
  await page.click('dialog.mh-dialog button:has-text("Upload")');
  await page.waitForSelector('.ProseMirror .mh-image img[src^="/media/"]');
  assert.match(await page.inputValue('#body'), /<figure class="image"><img src="\/media\/[^"]+" alt="A dry well near Gao"/);

  // An embed, by its page's address: a card in the editor, a frame nowhere yet.
  await page.click('button[aria-label="Embed a video or post"]');
  await page.fill('dialog.mh-dialog input', VIDEO);
  await page.click('dialog.mh-dialog button:has-text("Embed")');
  await page.waitForFunction(() => document.querySelector('#body').value.includes('data-embed='));
  assert.match(await page.inputValue('#body'), /<figure class="embed" data-embed="https:\/\/www\.youtube-nocookie\.com\/embed\/dQw4w9WgXcQ">/);
  assert.equal(await page.locator('.ProseMirror iframe').count(), 0);

  // The featured image from the main form, with the description and credit typed there.
  await page.fill('#featured_alt', 'The well at noon');
  await page.fill('#featured_credit', 'Photo: The Meridian');
  await page.setInputFiles('#featured-file', { name: 'noon.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') });
  await page.waitForFunction(() => /Uploaded as image number/.test(document.querySelector('.featured-status')?.textContent || ''));
  assert.notEqual(await page.inputValue('#featured_media_id'), '');
  assert.equal(await page.locator('.featured-thumb:not([hidden])').count(), 1);
  await Promise.all([page.waitForSelector('.form-notice'), page.click('button[value=save]')]);
  assert.equal(await page.textContent('.form-notice'), 'Saved.');
  await shot(page, '10-desk-written');

  // Autosave; the tab closes; the work comes back.
  await page.click('.ProseMirror h2');
  await page.keyboard.press('End');
  await page.keyboard.type(' and what follows');
  await page.waitForFunction(() => /Draft saved/.test(document.querySelector('.mh-save')?.textContent || ''), null, { timeout: 15000 });
  await page.close();
  const again = await context.newPage();
  await again.goto(editUrl);
  await again.waitForSelector('.mh-banner button:has-text("Restore them")');
  assert.equal(await again.textContent('.ProseMirror h2'), 'Findings', 'the saved text until the writer restores');
  await again.click('.mh-banner button:has-text("Restore them")');
  assert.equal(await again.textContent('.ProseMirror h2'), 'Findings and what follows');

  // The full page as readers will see it, changes and all, in a new tab; nothing saved yet.
  const [preview] = await Promise.all([context.waitForEvent('page'), again.click('button[formaction$="/preview"]')]);
  await preview.waitForLoadState();
  assert.equal((await preview.textContent('h1.headline')).trim(), 'Wells of the north');
  assert.equal(await preview.textContent('.body h2'), 'Findings and what follows');
  assert.equal(await preview.locator('.preview-banner').count(), 1);
  assert.equal(await preview.locator('.site-footer').count(), 1, 'the whole page, not the text alone');
  await shot(preview, '11-desk-preview');
  await preview.close();
  await Promise.all([again.waitForSelector('.form-notice'), again.click('button[value=save]')]);

  // A preview link for someone outside the newsroom: no session needed.
  await Promise.all([again.waitForSelector('.form-notice'), again.click('form.share-preview button')]);
  const link = (await again.textContent('.form-notice')).match(/(https?:\/\/\S+)$/)[1];
  const path = new URL(link).pathname;
  const outsider = await browser.newContext();
  const outside = await outsider.newPage();
  const shared = await outside.goto(base + path.slice(1));
  assert.equal(shared.status(), 200);
  assert.equal(await outside.textContent('.body h2'), 'Findings and what follows');
  await outsider.close();

  await Promise.all([again.waitForSelector('.form-notice'), again.click('button[value=publish]')]);
  assert.equal(await again.textContent('.form-notice'), 'Published.');

  // A reader: no request leaves the site until they ask for the video.
  const reader = await browser.newContext();
  const asked = [];
  await reader.route('https://www.youtube-nocookie.com/**', (route) => {
    asked.push(route.request().url());
    route.fulfill({ status: 200, contentType: 'text/html', body: '<p>The player</p>' });
  });
  const elsewhere = [];
  reader.on('request', (r) => { const u = new URL(r.url()); if (!['127.0.0.1', 'localhost'].includes(u.hostname)) elsewhere.push(r.url()); });
  const article = await reader.newPage();
  const articleErrors = [];
  article.on('console', (m) => { if (m.type() === 'error') articleErrors.push(m.text()); });
  await article.goto(base + 'article/wells-of-the-north');
  await article.waitForSelector('figure.embed .embed-consent button');
  assert.deepEqual(elsewhere, [], 'nothing requested from a third party before the click');
  assert.equal(await article.getAttribute('.body figure.image img', 'alt'), 'A dry well near Gao');
  assert.equal(await article.getAttribute('figure.featured img', 'alt'), 'The well at noon');
  await shot(article, '12-desk-published');
  await article.click('figure.embed .embed-consent button');
  await article.waitForSelector('figure.embed iframe[src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"]');
  await article.waitForFunction(() => true);
  assert.ok(asked.length >= 1, 'the frame loads once asked');
  assert.deepEqual(articleErrors.filter((e) => /Content Security Policy/.test(e)), [], 'the page allows exactly its frame');
  await reader.close();

  // Filed in bulk with another article, from the list.
  const list = await context.newPage();
  await list.goto(base + 'admin/articles');
  const id = editUrl.match(/(\d+)$/)[1];
  await list.check(`#pick-${id}`);
  await list.check('input[name=ids] >> nth=1');
  await list.selectOption('#bulk', 'file');
  await list.selectOption('#bulk-term', { label: 'Theme: Water' });
  await Promise.all([list.waitForURL(/done=/), list.click('.bulk-actions button[type=submit]')]);
  assert.equal(await list.textContent('.form-notice'), '2 of 2 articles done.');
  const filed = await list.goto(base + 'article/wells-of-the-north');
  assert.equal(filed.status(), 200);
  assert.ok((await list.locator('a.theme', { hasText: 'Water' }).count()) >= 1);

  // Deleted: its address says it is gone.
  await list.goto(editUrl);
  await list.check('form.delete-article input[name=confirm]');
  await Promise.all([list.waitForURL(/\/admin\/articles\?done=/), list.click('form.delete-article button')]);
  assert.match(await list.textContent('.form-notice'), /Deleted “Wells of the north”/);
  // A reader who never saw it (a browser that had it may keep it for the minute it is fresh).
  const later = await browser.newContext();
  const gone = await (await later.newPage()).goto(base + 'article/wells-of-the-north');
  assert.equal(gone.status(), 410);
  await later.close();
  assert.deepEqual(problems.filter((p) => /Content Security Policy/.test(p)), [], 'the admin runs under its strict policy');
  await context.close();
});

test('an editor curates the front page, and a new default policy leaves published articles on their terms', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page);

  // A published article on the site's default terms, as a reader sees them now.
  const reader = await browser.newContext();
  const readerPage = await reader.newPage();
  await readerPage.goto(base);
  const firstUrl = await readerPage.getAttribute('main > article.summary h2 a', 'href');
  const secondUrl = await readerPage.getAttribute('main > article.summary >> nth=1 >> h2 a', 'href');
  await readerPage.goto(base + firstUrl.slice(1));
  const termsBefore = await readerPage.getAttribute('a[rel=license]', 'href');
  const leadTitle = (await readerPage.textContent('h1.headline')).trim();
  await readerPage.goto(base + secondUrl.slice(1));
  const pinnedTitle = (await readerPage.textContent('h1.headline')).trim();

  await page.goto(base + 'admin/front');
  await page.check(`label:has-text("${leadTitle}") >> xpath=../../td[1]/input`);
  const pinRow = page.locator('tr', { has: page.locator(`label:has-text("${pinnedTitle}")`) });
  await pinRow.locator('input.pin').fill('1');
  await page.check('label:has-text("Region: Sahel") >> input');
  await Promise.all([page.waitForSelector('.form-notice'), page.click('form.front button[type=submit]')]);
  await shot(page, '13-front-page-admin');

  // A reader arriving now (one who was here keeps the page for the minute it is fresh).
  const arriving = await browser.newContext();
  const home = await arriving.newPage();
  await home.goto(base);
  assert.equal((await home.textContent('.front-lead h2 a')).trim(), leadTitle);
  assert.equal((await home.textContent('.front-pinned h2 a')).trim(), pinnedTitle);
  assert.equal((await home.textContent('.front-section .front-heading a')).trim(), 'Sahel');
  await shot(home, '14-front-page');
  await arriving.close();

  // A new default reuse policy: new articles take it, published ones keep theirs.
  await page.goto(base + 'admin/settings');
  const current = await page.inputValue('#default_policy');
  const options = await page.locator('#default_policy option').evaluateAll((os) => os.map((o) => o.value));
  const other = options.find((o) => o && o !== current);
  await page.selectOption('#default_policy', other);
  await Promise.all([page.waitForSelector('.form-notice'), page.click('button:has-text("Save the settings")')]);
  assert.equal(await page.textContent('.form-notice'), 'Saved.');
  const later = await browser.newContext();
  const laterPage = await later.newPage();
  await laterPage.goto(base + firstUrl.slice(1));
  assert.equal(await laterPage.getAttribute('a[rel=license]', 'href'), termsBefore, 'the published article keeps its terms');
  await later.close();
  await reader.close();
  await context.close();
});
