// The document model of "Masthead HTML", the stored body format. Every node and mark here
// renders exactly the shapes the server expects and parses them back.
import { Extension, Mark, Node, mergeAttributes } from '@tiptap/core';
import { Table, TableCell, TableHeader, TableRow } from '@tiptap/extension-table';

/** Blocks that may carry a `dir` attribute. */
export const DIR_TYPES = ['paragraph', 'heading', 'listItem', 'blockquote', 'pullquote', 'callout'];

function readDir(el) {
  const d = (el.getAttribute('dir') || '').trim().toLowerCase();
  return d === 'rtl' || d === 'ltr' || d === 'auto' ? d : null;
}

/** `dir="rtl|ltr|auto"` on paragraphs, headings, list items, quotes and asides. */
export const Direction = Extension.create({
  name: 'mhDirection',
  addGlobalAttributes() {
    return [
      {
        types: DIR_TYPES,
        attributes: {
          dir: {
            default: null,
            parseHTML: readDir,
            renderHTML: (attrs) => (attrs.dir ? { dir: attrs.dir } : {}),
          },
        },
      },
    ];
  },
});

function asideNode(name, cls) {
  return Node.create({
    name,
    group: 'block',
    content: 'paragraph+',
    defining: true,
    parseHTML() {
      return [{ tag: `aside.${cls}`, priority: 60 }];
    },
    renderHTML({ HTMLAttributes }) {
      return ['aside', mergeAttributes({ class: cls }, HTMLAttributes), 0];
    },
  });
}

/** `<aside class="pullquote"><p>…</p></aside>` */
export const Pullquote = asideNode('pullquote', 'pullquote');
/** `<aside class="callout"><p>…</p>…</aside>` */
export const Callout = asideNode('callout', 'callout');

function simpleMark(name, tag, other, shortcut) {
  return Mark.create({
    name,
    excludes: `${name} ${other}`,
    parseHTML() {
      return [
        {
          tag,
          // A footnote reference is a <sup> too, with its own node.
          getAttrs: (el) => (/^fnref-/.test(el.getAttribute('id') || '') ? false : null),
        },
      ];
    },
    renderHTML() {
      return [tag, 0];
    },
    addKeyboardShortcuts() {
      return { [shortcut]: () => this.editor.commands.toggleMark(this.name) };
    },
  });
}

/** `<sup>` and `<sub>`; Mod-. and Mod-, toggle them. */
export const Superscript = simpleMark('superscript', 'sup', 'subscript', 'Mod-.');
export const Subscript = simpleMark('subscript', 'sub', 'superscript', 'Mod-,');

function intFrom(text) {
  const n = parseInt(text, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** A footnote reference: `<sup id="fnref-N"><a href="#fn-N">N</a></sup>`. */
export const FootnoteRef = Node.create({
  name: 'footnoteRef',
  group: 'inline',
  inline: true,
  atom: true,
  selectable: true,
  addAttributes() {
    return {
      n: {
        default: 0,
        rendered: false,
        parseHTML: (el) => intFrom((el.getAttribute('id') || '').slice(6)),
      },
    };
  },
  parseHTML() {
    return [{ tag: 'sup[id^="fnref-"]', priority: 70 }];
  },
  renderHTML({ node }) {
    const n = node.attrs.n;
    return ['sup', { id: `fnref-${n}` }, ['a', { href: `#fn-${n}` }, String(n)]];
  },
  renderText({ node }) {
    return `[${node.attrs.n}]`;
  },
});

/** The link back from a note to its reference: `<a href="#fnref-N">↩</a>`. */
export const FootnoteBackref = Node.create({
  name: 'footnoteBackref',
  group: 'inline',
  inline: true,
  atom: true,
  selectable: false,
  draggable: false,
  addAttributes() {
    return {
      n: {
        default: 0,
        rendered: false,
        parseHTML: (el) => intFrom((el.getAttribute('href') || '').slice(7)),
      },
    };
  },
  parseHTML() {
    return [{ tag: 'a[href^="#fnref-"]', priority: 70 }];
  },
  renderHTML({ node }) {
    return ['a', { href: `#fnref-${node.attrs.n}` }, '\u21a9'];
  },
  renderText() {
    return '';
  },
});

/** The notes: `<section class="footnotes"><ol>…</ol></section>`, kept last by a plugin. */
export const Footnotes = Node.create({
  name: 'footnotes',
  group: 'block',
  content: 'footnoteItem+',
  isolating: true,
  defining: true,
  selectable: false,
  parseHTML() {
    return [
      {
        tag: 'section.footnotes',
        priority: 70,
        contentElement: (el) => el.querySelector('ol') || el,
      },
    ];
  },
  renderHTML() {
    return ['section', { class: 'footnotes' }, ['ol', 0]];
  },
});

/** One note: `<li id="fn-N"><p>text <a href="#fnref-N">↩</a></p></li>`. */
export const FootnoteItem = Node.create({
  name: 'footnoteItem',
  content: 'paragraph+',
  defining: true,
  isolating: true,
  addAttributes() {
    return {
      n: {
        default: 0,
        rendered: false,
        parseHTML: (el) => {
          const m = /^fn-(\d+)$/.exec(el.getAttribute('id') || '');
          if (m) return intFrom(m[1]);
          // A note without an id: its place in the list.
          return el.parentElement ? Array.prototype.indexOf.call(el.parentElement.children, el) + 1 : 0;
        },
      },
    };
  },
  parseHTML() {
    return [
      { tag: 'li[id^="fn-"]', priority: 70 },
      { tag: 'section.footnotes li', priority: 69 },
    ];
  },
  renderHTML({ node }) {
    return ['li', { id: `fn-${node.attrs.n}` }, 0];
  },
});

function figcaptionOf(el) {
  return Array.prototype.find.call(el.children, (c) => c.tagName === 'FIGCAPTION') || null;
}

function captionText(el) {
  const fc = figcaptionOf(el);
  if (!fc) return '';
  const copy = fc.cloneNode(true);
  copy.querySelectorAll('.credit').forEach((c) => c.remove());
  return copy.textContent.replace(/\s+/g, ' ').trim();
}

function creditText(el) {
  const fc = figcaptionOf(el);
  const credit = fc && fc.querySelector('.credit');
  return credit ? credit.textContent.replace(/\s+/g, ' ').trim() : '';
}

function dimension(img, name) {
  const n = img ? parseInt(img.getAttribute(name) || '', 10) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Image card: `<figure class="image"><img src alt [width height]><figcaption>caption <span class="credit">credit</span></figcaption></figure>`. */
export const ImageFigure = Node.create({
  name: 'imageFigure',
  group: 'block',
  atom: true,
  draggable: true,
  selectable: true,
  addAttributes() {
    // The card's own figure, an older figure holding an image, or a loose image.
    const img = (el) => (el.tagName === 'IMG' ? el : el.querySelector('img'));
    return {
      src: { default: '', rendered: false, parseHTML: (el) => (img(el) && img(el).getAttribute('src')) || '' },
      alt: { default: '', rendered: false, parseHTML: (el) => (img(el) && img(el).getAttribute('alt')) || '' },
      width: { default: null, rendered: false, parseHTML: (el) => dimension(img(el), 'width') },
      height: { default: null, rendered: false, parseHTML: (el) => dimension(img(el), 'height') },
      caption: { default: '', rendered: false, parseHTML: captionText },
      credit: { default: '', rendered: false, parseHTML: creditText },
    };
  },
  parseHTML() {
    return [
      { tag: 'figure.image', priority: 70, getAttrs: (el) => (el.querySelector('img[src]') ? null : false) },
      // Figures from before the editor (Markdown's, imported ones): any figure with an image.
      {
        tag: 'figure',
        priority: 60,
        getAttrs: (el) => (el.querySelector('img[src]') && !el.hasAttribute('data-embed') && !el.querySelector('audio, video') ? null : false),
      },
      // A loose image (Markdown's ![alt](src), an import's <img>) becomes its own card.
      { tag: 'img[src]', priority: 50 },
    ];
  },
  renderHTML({ node }) {
    const a = node.attrs;
    const img = { src: a.src, alt: a.alt || '' };
    if (a.width) img.width = String(a.width);
    if (a.height) img.height = String(a.height);
    const out = ['figure', { class: 'image' }, ['img', img]];
    if (a.caption || a.credit) {
      const fc = ['figcaption', {}];
      if (a.caption) fc.push(a.caption);
      if (a.caption && a.credit) fc.push(' ');
      if (a.credit) fc.push(['span', { class: 'credit' }, a.credit]);
      out.push(fc);
    }
    return out;
  },
});

/** Third-party embed card: `<figure class="embed" data-embed="FRAME"><a href="URL">URL</a><figcaption>…</figcaption></figure>`. */
export const EmbedFigure = Node.create({
  name: 'embedFigure',
  group: 'block',
  atom: true,
  draggable: true,
  selectable: true,
  addAttributes() {
    return {
      frame: { default: '', rendered: false, parseHTML: (el) => el.getAttribute('data-embed') || '' },
      url: {
        default: '',
        rendered: false,
        parseHTML: (el) => {
          const a = el.querySelector('a[href]');
          const href = a ? a.getAttribute('href').trim() : '';
          return /^https?:\/\//i.test(href) ? href : '';
        },
      },
      caption: { default: '', rendered: false, parseHTML: captionText },
      // Only in the editor: the provider's name as the server gave it.
      provider: { default: '', rendered: false, parseHTML: () => '' },
    };
  },
  parseHTML() {
    return [{ tag: 'figure.embed[data-embed]', priority: 70 }];
  },
  renderHTML({ node }) {
    const a = node.attrs;
    const out = ['figure', { class: 'embed', 'data-embed': a.frame }, ['a', { href: a.url }, a.url]];
    if (a.caption) out.push(['figcaption', {}, a.caption]);
    return out;
  },
});

/** Our own audio or video: `<figure class="embed"><audio controls src="/media/…"></audio></figure>`. */
export const MediaFigure = Node.create({
  name: 'mediaFigure',
  group: 'block',
  atom: true,
  draggable: true,
  selectable: true,
  addAttributes() {
    const media = (el) => el.querySelector('audio[src], video[src]');
    return {
      kind: {
        default: 'audio',
        rendered: false,
        parseHTML: (el) => (media(el) && media(el).tagName === 'VIDEO' ? 'video' : 'audio'),
      },
      src: { default: '', rendered: false, parseHTML: (el) => (media(el) && media(el).getAttribute('src')) || '' },
      caption: { default: '', rendered: false, parseHTML: captionText },
    };
  },
  parseHTML() {
    return [
      {
        tag: 'figure.embed',
        priority: 69,
        getAttrs: (el) => (!el.hasAttribute('data-embed') && el.querySelector('audio[src], video[src]') ? null : false),
      },
    ];
  },
  renderHTML({ node }) {
    const a = node.attrs;
    const out = ['figure', { class: 'embed' }, [a.kind === 'video' ? 'video' : 'audio', { controls: '', src: a.src }]];
    if (a.caption) out.push(['figcaption', {}, a.caption]);
    return out;
  },
});

// Tables: `<table><tbody><tr><th|td><p>…</p></th|td></tr></tbody></table>`. No column widths,
// no alignment, no `style` attributes (the admin CSP forbids inline styles), no resizing.
function cellAttributes() {
  return {
    colspan: { default: 1 },
    rowspan: { default: 1 },
    colwidth: { default: null, rendered: false, parseHTML: () => null },
    align: { default: null, rendered: false, parseHTML: () => null },
  };
}

export const MhTable = Table.extend({
  renderHTML() {
    return ['table', ['tbody', 0]];
  },
}).configure({ resizable: false, View: null, allowTableNodeSelection: false });

export const MhTableRow = TableRow;
export const MhTableCell = TableCell.extend({ content: 'paragraph+', addAttributes: cellAttributes });
export const MhTableHeader = TableHeader.extend({ content: 'paragraph+', addAttributes: cellAttributes });

const TAG_START = /<([a-zA-Z][^\s/>]*)/y;
const ATTRIBUTE = /\s+|\/|([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?/y;

/**
 * Drops `style` attributes from an HTML string without parsing it. Parsing HTML that has them
 * (with DOMParser, a template, innerHTML, even in an inert document) makes the browser report
 * a violation of the admin CSP's `style-src 'self'`; Masthead HTML has no use for them anyway.
 */
export function stripStyleAttributes(html) {
  if (!/\sstyle\s*=/i.test(html)) return html;
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? html.length : end + 3;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    TAG_START.lastIndex = lt;
    const tag = TAG_START.exec(html);
    if (!tag) {
      out += '<';
      i = lt + 1;
      continue;
    }
    out += tag[0];
    let j = TAG_START.lastIndex;
    for (;;) {
      ATTRIBUTE.lastIndex = j;
      const m = ATTRIBUTE.exec(html);
      if (!m || m[0] === '') break;
      if (!(m[1] && m[1].toLowerCase() === 'style')) out += m[0];
      j = ATTRIBUTE.lastIndex;
    }
    i = j;
  }
  return out;
}

/** Rewrites HTML from outside (loaded, pasted, converted) towards Masthead HTML before parsing. */
export function normalizeHTML(html) {
  if (!html) return '';
  const doc = new DOMParser().parseFromString(`<body>${stripStyleAttributes(html)}</body>`, 'text/html');
  const rename = (el, tag) => {
    const to = doc.createElement(tag);
    for (const attr of Array.from(el.attributes)) to.setAttribute(attr.name, attr.value);
    while (el.firstChild) to.appendChild(el.firstChild);
    el.replaceWith(to);
  };
  // The headline is the page's h1: the text starts at h2 and goes down to h4.
  doc.body.querySelectorAll('h1').forEach((el) => rename(el, 'h2'));
  doc.body.querySelectorAll('h5, h6').forEach((el) => rename(el, 'h4'));
  // Links carry only their address.
  doc.body.querySelectorAll('a').forEach((a) => {
    for (const name of ['target', 'rel', 'class', 'title']) a.removeAttribute(name);
  });
  return doc.body.innerHTML;
}

/**
 * getHTML() output made canonical where the DOM serializer and the editor differ from the
 * stored shape: `<audio controls …>` (not `controls=""`), one space between a note's text and
 * its backlink, and no empty paragraphs at the end (the editor keeps one there for the cursor).
 */
export function tidyHTML(html) {
  let out = html
    .replace(/<(audio|video) controls=""/g, '<$1 controls')
    .replace(/([^>\s]|<\/(?:strong|em|s|code|a|sup|sub)>)<a href="#fnref-/g, '$1 <a href="#fnref-');
  const trimmed = out.replace(/(?:<p><\/p>)+$/, '');
  if (trimmed) out = trimmed;
  return out;
}
