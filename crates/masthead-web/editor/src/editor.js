// Masthead's rich-text editor for the article form. It enhances the form the server renders:
// without this script the <textarea id="body"> works as it always did. With it, the textarea
// is hidden (and stays in the form), an editor is mounted before it, and every change is
// written back into it as Masthead HTML with body_format set to "html".
import './editor.css';
import { Editor, Extension } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { Placeholder } from '@tiptap/extensions';
import { embedView, imageView, mediaView } from './cards.js';
import { openEmbedDialog, openLinkDialog } from './dialogs.js';
import { clock, errorOf, h, postForm } from './dom.js';
import { FootnoteNumbering, fixFootnotes } from './footnotes.js';
import { Uploads, addImageFiles, insertEmbed, isMediaFile, lookupEmbed, pickImages } from './media.js';
import {
  Callout,
  Direction,
  EmbedFigure,
  FootnoteBackref,
  FootnoteItem,
  FootnoteRef,
  Footnotes,
  ImageFigure,
  MediaFigure,
  MhTable,
  MhTableCell,
  MhTableHeader,
  MhTableRow,
  Pullquote,
  Subscript,
  Superscript,
  normalizeHTML,
  tidyHTML,
} from './schema.js';
import { buildToolbar } from './toolbar.js';

const WORDS_PER_MINUTE = 230;
const AUTOSAVE_QUIET_MS = 2000;
const AUTOSAVE_MAX_MS = 10000;
const LOCAL_DRAFT_KEY = 'masthead-draft-new';

/** The extensions of the Masthead HTML schema, with the editor's card views. */
export function extensions({ placeholder } = {}) {
  return [
    StarterKit.configure({
      heading: { levels: [2, 3, 4] },
      underline: false,
      link: {
        openOnClick: false,
        autolink: true,
        linkOnPaste: true,
        HTMLAttributes: { target: null, rel: null, class: null },
      },
      codeBlock: { languageClassPrefix: 'language-' },
      dropcursor: { color: false, class: 'mh-dropcursor', width: 2 },
      trailingNode: { notAfter: ['paragraph', 'footnotes'] },
    }),
    Direction,
    Pullquote,
    Callout,
    Superscript,
    Subscript,
    FootnoteRef,
    FootnoteBackref,
    Footnotes,
    FootnoteItem,
    FootnoteNumbering,
    ImageFigure.extend({ addNodeView: () => imageView }),
    EmbedFigure.extend({ addNodeView: () => embedView }),
    MediaFigure.extend({ addNodeView: () => mediaView }),
    MhTable,
    MhTableRow,
    MhTableHeader,
    MhTableCell,
    Uploads,
    Placeholder.configure({ placeholder: placeholder || 'Write the article\u2026' }),
  ];
}

function looksLikeMarkdown(text) {
  return (
    /^(#{1,6}\s|[-*+]\s|>\s?|\d+[.)]\s|(```|~~~))/m.test(text) ||
    text.includes('**') ||
    /\[[^\]\n]+\]\([^)\s]+\)/.test(text)
  );
}

let pasteRound = 0;
/** Moves the footnote numbers of converted Markdown out of the way of the document's own. */
function apartFootnotes(html) {
  pasteRound += 1;
  const offset = 100000 * pasteRound;
  return html.replace(/(\s(?:id="fn(?:ref)?-|href="#fn(?:ref)?-))(\d+)"/g, (_m, head, n) => `${head}${Number(n) + offset}"`);
}

function wordCount(doc) {
  const text = doc.textBetween(0, doc.content.size, ' ', (leaf) => (leaf.isInline && leaf.type.name !== 'hardBreak' ? '' : ' '));
  const words = text.match(/[^\s\u21a9]+/g);
  return words ? words.length : 0;
}

function readJSON(text) {
  if (!text) return null;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : null;
  } catch (_) {
    return null;
  }
}

function formatWhen(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso || 'earlier';
  try {
    return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch (_) {
    return date.toString();
  }
}

function mount() {
  const textarea = document.querySelector('textarea#body[data-editor]');
  if (!textarea || textarea.dataset.editorMounted) return null;
  const form = textarea.form || textarea.closest('form');
  if (!form) return null;
  const field = (name) => form.querySelector(`[name="${name}"]`);
  const formatInput = field('body_format');
  const stored = formatInput && formatInput.value === 'html' ? textarea.value : textarea.getAttribute('data-editor-html');
  // Markdown the server did not render for us: leave the plain textarea alone.
  if (stored == null && textarea.value.trim() !== '') return null;
  textarea.dataset.editorMounted = 'true';
  const readOnly = textarea.readOnly;
  const articleId = form.getAttribute('data-article-id') || '';
  // Where a form without a server draft slot keeps its work in this browser (a new article, a page).
  const localKey = form.getAttribute('data-draft-key') || LOCAL_DRAFT_KEY;
  const csrf = () => {
    const input = field('csrf');
    return input ? input.value : '';
  };
  const ctx = { csrf, articleId, uploads: new Map() };

  // ---- the page around the editor ----
  const banner = h('div', { class: 'mh-banner', role: 'region', 'aria-label': 'Kept changes' });
  banner.hidden = true;
  const surface = h('div', { class: 'mh-surface' });
  const count = h('span', { class: 'mh-count' });
  const saveState = h('span', { class: 'mh-save', role: 'status', 'aria-live': 'polite' });
  const status = h('div', { class: 'mh-status' }, count, saveState);
  const shell = h('div', { class: `mh-editor${readOnly ? ' is-readonly' : ''}` }, banner, surface, status);
  textarea.parentNode.insertBefore(shell, textarea);
  textarea.hidden = true;
  form.classList.add('has-rich-editor');

  let dirty = false;
  let submitting = false;
  let autosavePaused = false;
  let handlingPaste = false;
  let editor = null;

  const setSaveState = (text, bad) => {
    if (saveState.textContent !== text) saveState.textContent = text;
    saveState.classList.toggle('is-bad', !!bad);
  };

  const bodyHTML = () => (editor.isEmpty ? '' : editor.getHTML());

  const updateCount = () => {
    const words = wordCount(editor.state.doc);
    const minutes = Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
    count.textContent = `${words} ${words === 1 ? 'word' : 'words'} \u00b7 ${minutes} min read`;
  };

  // ---- autosave ----
  let timer = null;
  let firstChange = 0;
  let inFlight = false;
  let again = false;

  const fieldsNow = () => {
    const value = (name) => {
      const el = field(name);
      return el ? el.value : '';
    };
    return { title: value('title'), dek: value('dek'), excerpt: value('excerpt'), body: bodyHTML() };
  };

  const saveDraft = async () => {
    timer = null;
    firstChange = 0;
    if (submitting) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const fields = fieldsNow();
      if (articleId) {
        const revision = field('revision');
        const response = await postForm(`/admin/articles/${encodeURIComponent(articleId)}/draft`, {
          csrf: csrf(),
          revision: revision ? revision.value : '',
          ...fields,
        });
        if (response.ok) setSaveState(`Draft saved ${clock(new Date())}`);
        else setSaveState(`Not saved: ${await errorOf(response)}`, true);
      } else {
        try {
          localStorage.setItem(localKey, JSON.stringify({ saved_at: new Date().toISOString(), ...fields }));
          setSaveState(`Draft saved ${clock(new Date())}`);
        } catch (_) {
          setSaveState('Not saved: this browser would not keep a draft.', true);
        }
      }
    } catch (_) {
      setSaveState('Not saved: the server could not be reached.', true);
    } finally {
      inFlight = false;
      if (again && !submitting) {
        again = false;
        saveDraft();
      }
    }
  };

  const changed = () => {
    dirty = true;
    if (submitting) return;
    if (autosavePaused) {
      setSaveState('Autosave waits until the kept changes are restored or discarded.');
      return;
    }
    const now = Date.now();
    if (!firstChange) firstChange = now;
    clearTimeout(timer);
    const wait = Math.max(0, Math.min(AUTOSAVE_QUIET_MS, firstChange + AUTOSAVE_MAX_MS - now));
    timer = setTimeout(saveDraft, wait);
  };

  // ---- the editor ----
  const actions = {
    link: () => openLinkDialog(editor),
    image: () => pickImages(editor, ctx),
    embed: () => openEmbedDialog(editor, lookupEmbed, (data, asked) => insertEmbed(editor, data, asked)),
  };

  const pastePlain = (view, text) => {
    handlingPaste = true;
    try {
      view.pasteText(text);
    } finally {
      handlingPaste = false;
    }
  };

  const Shortcuts = Extension.create({
    name: 'mhShortcuts',
    addKeyboardShortcuts() {
      return {
        'Mod-k': () => {
          actions.link();
          return true;
        },
      };
    },
  });

  editor = new Editor({
    element: surface,
    injectCSS: false,
    editable: !readOnly,
    content: normalizeHTML(stored || ''),
    extensions: [...extensions(), Shortcuts],
    editorProps: {
      attributes: {
        id: 'mh-article-text',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': 'Article text',
        ...(readOnly ? { 'aria-readonly': 'true' } : {}),
        class: 'mh-prose',
        spellcheck: 'true',
      },
      transformPastedHTML: (html) => normalizeHTML(html),
      handleDrop: (view, event, _slice, moved) => {
        if (moved || !event.dataTransfer || !event.dataTransfer.files || !event.dataTransfer.files.length) return false;
        const files = Array.from(event.dataTransfer.files);
        const images = files.filter((f) => isMediaFile(f));
        event.preventDefault();
        if (!view.editable) return true;
        if (!images.length) {
          setSaveState('Only images can be dropped into the text.', true);
          return true;
        }
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
        addImageFiles(editor, ctx, images, at ? at.pos : view.state.selection.to);
        return true;
      },
      handlePaste: (view, event) => {
        if (handlingPaste || !event.clipboardData || !view.editable) return false;
        const data = event.clipboardData;
        const images = Array.from(data.files || []).filter((f) => isMediaFile(f));
        if (images.length) {
          addImageFiles(editor, ctx, images, view.state.selection.to);
          return true;
        }
        const types = Array.from(data.types || []);
        if (types.includes('text/html') || !types.includes('text/plain')) return false;
        const text = data.getData('text/plain');
        if (!text || view.state.selection.$from.parent.type.spec.code) return false;
        const single = text.trim();
        if (view.state.selection.empty && /^https?:\/\/\S+$/i.test(single)) {
          lookupEmbed(single).then((answer) => {
            if (answer.ok) insertEmbed(editor, answer.data, single);
            else pastePlain(editor.view, text);
          });
          return true;
        }
        if (looksLikeMarkdown(text)) {
          postForm('/admin/markdown', { csrf: csrf(), markdown: text })
            .then(async (response) => {
              const html = response.ok ? await response.text() : '';
              if (html.trim()) editor.chain().focus().insertContent(normalizeHTML(apartFootnotes(html))).run();
              else pastePlain(editor.view, text);
            })
            .catch(() => pastePlain(editor.view, text));
          return true;
        }
        return false;
      },
    },
  });

  // Canonical output: the DOM serializer writes boolean attributes as controls="".
  const rawHTML = editor.getHTML.bind(editor);
  editor.getHTML = () => tidyHTML(rawHTML());

  // Footnotes loaded in an older shape are put right without counting as a change.
  const fix = fixFootnotes(editor.state, editor.storage.mhFootnoteNumbering.memory);
  if (fix) editor.view.dispatch(fix.setMeta('addToHistory', false).setMeta('preventUpdate', true));

  const sync = () => {
    textarea.value = bodyHTML();
    if (formatInput) formatInput.value = 'html';
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  };

  editor.on('update', () => {
    sync();
    updateCount();
    changed();
  });
  updateCount();

  if (!readOnly) {
    const toolbar = buildToolbar(editor, actions);
    shell.insertBefore(toolbar, surface);
  }

  // The textarea's label now names the editor.
  const label = form.querySelector('label[for="body"]');
  if (label) {
    label.addEventListener('click', (e) => {
      e.preventDefault();
      editor.commands.focus();
    });
  }

  // The hidden textarea is `required`: say so instead of the browser's silent refusal.
  textarea.addEventListener('invalid', (e) => {
    e.preventDefault();
    setSaveState('Write the article text before saving.', true);
    editor.commands.focus();
  });

  // ---- the form ----
  form.addEventListener('input', (e) => {
    if (e.target !== textarea) changed();
  });
  form.addEventListener('change', (e) => {
    if (e.target !== textarea) changed();
  });
  form.addEventListener('submit', (e) => {
    // A button that opens its answer elsewhere (a preview in a new tab) does not leave the page.
    const target = (e.submitter && e.submitter.getAttribute('formtarget')) || form.getAttribute('target') || '';
    if (target && target !== '_self') return;
    submitting = true;
    clearTimeout(timer);
    timer = null;
    setTimeout(() => {
      if (e.defaultPrevented) {
        submitting = false;
        return;
      }
      if (!articleId) {
        try {
          localStorage.removeItem(localKey);
        } catch (_) {
          /* nothing kept */
        }
      }
    }, 0);
  });
  window.addEventListener('beforeunload', (e) => {
    if (dirty && !submitting) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && (e.key === 's' || e.key === 'S')) {
      e.preventDefault();
      if (document.querySelector('dialog[open]')) return;
      const save = form.querySelector('button[name="action"][value="save"]');
      if (save) save.click();
      else if (typeof form.requestSubmit === 'function') form.requestSubmit();
      else form.submit();
    }
  });

  // ---- kept changes ----
  let kept = null;
  if (articleId) kept = readJSON(form.getAttribute('data-draft'));
  else {
    try {
      kept = readJSON(localStorage.getItem(localKey));
    } catch (_) {
      kept = null;
    }
  }
  if (kept && !['title', 'dek', 'excerpt', 'body'].some((k) => typeof kept[k] === 'string' && kept[k].trim())) kept = null;
  if (kept) {
    autosavePaused = true;
    const when = h('time', { datetime: kept.saved_at || '' }, formatWhen(kept.saved_at));
    const restore = h('button', { type: 'button', class: 'mh-primary' }, 'Restore them');
    const discard = h('button', { type: 'button' }, 'Discard');
    const note = h('p', { class: 'mh-banner-error', role: 'alert' });
    note.hidden = true;
    banner.append(h('p', {}, 'Unsaved changes from ', when, ' were kept. ', restore, ' ', discard), note);
    banner.hidden = false;
    const close = () => {
      banner.hidden = true;
      banner.replaceChildren();
      autosavePaused = false;
    };
    restore.addEventListener('click', () => {
      for (const name of ['title', 'dek', 'excerpt']) {
        const el = field(name);
        if (el && typeof kept[name] === 'string') el.value = kept[name];
      }
      // The changes were made to the revision they started from: saving them after someone
      // else's save then meets the conflict page, never overwrites it.
      const revision = field('revision');
      if (revision && Number.isInteger(kept.revision) && kept.revision > 0) revision.value = String(kept.revision);
      close();
      if (typeof kept.body === 'string') editor.chain().setContent(normalizeHTML(kept.body), { emitUpdate: true }).run();
      changed();
      editor.commands.focus('end');
    });
    discard.addEventListener('click', async () => {
      if (!articleId) {
        try {
          localStorage.removeItem(localKey);
        } catch (_) {
          /* nothing kept */
        }
        close();
        editor.commands.focus();
        return;
      }
      discard.disabled = true;
      try {
        const response = await postForm(`/admin/articles/${encodeURIComponent(articleId)}/draft/discard`, { csrf: csrf() });
        if (response.ok) {
          close();
          editor.commands.focus();
          if (dirty) changed();
        } else {
          note.textContent = `Not discarded: ${await errorOf(response)}`;
          note.hidden = false;
        }
      } catch (_) {
        note.textContent = 'Not discarded: the server could not be reached.';
        note.hidden = false;
      } finally {
        discard.disabled = false;
      }
    });
  }

  const problems = () => {
    const out = [];
    let image = 0;
    editor.state.doc.descendants((node, pos) => {
      if (node.type.name === 'imageFigure') {
        image += 1;
        if (!(node.attrs.alt || '').trim()) {
          out.push({ kind: 'missing-alt', pos, src: node.attrs.src, message: `Image ${image} has no alt text.` });
        }
      }
      return true;
    });
    for (const [id, upload] of ctx.uploads) {
      out.push(
        upload.failed
          ? { kind: 'upload-failed', id, message: `The upload of ${upload.name} failed; remove its card or try again.` }
          : { kind: 'uploading', id, message: `${upload.name} is still uploading.` },
      );
    }
    return out;
  };

  window.mastheadEditor = { editor, problems };
  return window.mastheadEditor;
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
else mount();
