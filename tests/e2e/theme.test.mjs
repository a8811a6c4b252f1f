// The public theme in a real browser (Debian's Chromium, driven by playwright-core): dark mode
// when the reader's system asks for it, and an article that prints as the article, its credits
// and provenance, without navigation, share buttons or comments, on few pages.
//
// Run by the Rust test `browser_newsroom` (cargo test), which passes MASTHEAD_BIN.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startDemo } from './demo.mjs';

let server, base, browser;

before(async () => {
  ({ server, base } = await startDemo());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

/// The first article the home page links to.
async function firstArticle(page) {
  await page.goto(base);
  const href = await page.getAttribute('a[href*="/article/"] >> nth=0', 'href');
  return new URL(href, base).href;
}

const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test('the site follows the reader into dark mode', async () => {
  const page = await browser.newPage();
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(await firstArticle(page));
  assert.equal(await background(page), 'rgb(251, 250, 247)');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.equal(await background(page), 'rgb(21, 22, 26)');
  const ink = await page.evaluate(() => getComputedStyle(document.querySelector('.headline')).color);
  assert.equal(ink, 'rgb(232, 230, 225)', 'light text on the dark page');
  await page.close();
});

test('an article prints as the article, its credits and provenance, on few pages', async () => {
  const page = await browser.newPage();
  await page.goto(await firstArticle(page));
  await page.emulateMedia({ media: 'print' });
  const shown = (selector) =>
    page.evaluate((s) => {
      const el = document.querySelector(s);
      return el !== null && getComputedStyle(el).display !== 'none';
    }, selector);
  for (const kept of ['.headline', '.body', '.byline', '.copyright', '.original-source']) {
    assert.equal(await shown(kept), true, `${kept} is printed`);
  }
  for (const left of ['.share', '.note-to-readers', '.sections', '.site-search', '.comments', '.republish-link']) {
    assert.equal(await shown(left), false, `${left} is not printed`);
  }
  const pdf = await page.pdf({ format: 'A4' });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pages >= 1 && pages <= 2, `the article prints on ${pages} pages`);
  await page.close();
});
