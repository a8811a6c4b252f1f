// Images (picked, dropped or pasted) and embeds: asking the server, placeholder cards while an
// upload runs, and where a new card goes in the document.
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { askImageDetails } from './dialogs.js';
import { h } from './dom.js';

export const uploadsKey = new PluginKey('mhUploads');

/** Placeholder cards for uploads in progress or failed, kept in place as the text changes. */
export const Uploads = Extension.create({
  name: 'mhUploads',
  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: uploadsKey,
        state: {
          init: () => DecorationSet.empty,
          apply(tr, set) {
            let next = set.map(tr.mapping, tr.doc);
            const meta = tr.getMeta(uploadsKey);
            if (meta && meta.add) {
              const deco = Decoration.widget(meta.add.pos, meta.add.dom, { id: meta.add.id, side: -1, ignoreSelection: true, stopEvent: () => true });
              next = next.add(tr.doc, [deco]);
            }
            if (meta && meta.remove) next = next.remove(next.find(undefined, undefined, (spec) => spec.id === meta.remove));
            return next;
          },
        },
        props: {
          decorations(state) {
            return uploadsKey.getState(state);
          },
        },
      }),
    ];
  },
});

/** Where a block card goes for the cursor at `pos`: between top-level blocks, before the notes. */
export function blockInsertPos(doc, pos) {
  const $pos = doc.resolve(Math.max(0, Math.min(pos, doc.content.size)));
  if ($pos.depth === 0) return $pos.pos;
  const top = $pos.node(1);
  const start = $pos.before(1);
  if (top.type.name === 'footnotes') return start;
  // In an empty paragraph, or at the start of a top-level paragraph: the card goes before it.
  if (top.isTextblock && (top.content.size === 0 || $pos.parentOffset === 0)) return start;
  return $pos.after(1);
}

/** Inserts a block node of `type` with `attrs` at block position `pos` and selects it. */
export function insertCard(editor, pos, type, attrs) {
  const { state, view } = editor;
  const node = state.schema.nodes[type].create(attrs);
  const at = Math.max(0, Math.min(pos, state.doc.content.size));
  const tr = state.tr.insert(at, node);
  view.dispatch(tr.scrollIntoView());
  return true;
}

/** Uploads one image with its details; a placeholder card shows progress, then the image or the error. */
export function uploadImage(editor, ctx, file, details, pos) {
  const id = `upload-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const progress = h('progress', { max: '100', value: '0' });
  const message = h('p', { class: 'mh-upload-message', role: 'status' }, `Uploading ${file.name || 'image'}\u2026`);
  const removeButton = h('button', { type: 'button', class: 'mh-remove-upload' }, 'Remove');
  removeButton.hidden = true;
  const what = file.type && /^(audio|video)\//.test(file.type) ? (file.type.startsWith('audio/') ? 'Audio' : 'Video') : 'Image';
  const card = h('div', { class: 'mh-card mh-upload', contenteditable: 'false', 'data-upload': id }, h('strong', {}, what), message, progress, removeButton);
  ctx.uploads.set(id, { name: file.name || 'image', failed: false });
  const drop = () => {
    ctx.uploads.delete(id);
    editor.view.dispatch(editor.state.tr.setMeta(uploadsKey, { remove: id }));
  };
  removeButton.addEventListener('click', () => {
    drop();
    editor.commands.focus();
  });
  const at = blockInsertPos(editor.state.doc, pos);
  editor.view.dispatch(editor.state.tr.setMeta(uploadsKey, { add: { id, pos: at, dom: card } }));

  const fail = (text) => {
    if (ctx.uploads.has(id)) ctx.uploads.get(id).failed = true;
    card.classList.add('is-failed');
    progress.remove();
    message.setAttribute('role', 'alert');
    message.textContent = `Not uploaded: ${text}`;
    removeButton.hidden = false;
  };

  const form = new FormData();
  form.append('csrf', ctx.csrf());
  form.append('file', file, file.name || 'image');
  form.append('alt', details.alt);
  form.append('credit', details.credit);
  form.append('licence', details.licence);
  if (details.travels) form.append('travels', 'yes');
  // Anyone who may change the article may add images to it, contributors in their drafts too.
  if (ctx.articleId) form.append('article', ctx.articleId);

  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/admin/media/upload.json');
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.upload.addEventListener('progress', (e) => {
    if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
  });
  xhr.addEventListener('load', () => {
    let data = null;
    try {
      data = JSON.parse(xhr.responseText);
    } catch (_) {
      /* not JSON */
    }
    if (xhr.status >= 200 && xhr.status < 300 && data && typeof data.url === 'string') {
      const found = uploadsKey.getState(editor.state).find(undefined, undefined, (spec) => spec.id === id);
      const where = found.length ? found[0].from : blockInsertPos(editor.state.doc, editor.state.selection.to);
      const tr = editor.state.tr.setMeta(uploadsKey, { remove: id });
      const kind = typeof data.kind === 'string' ? data.kind.split('/')[0] : 'image';
      tr.insert(
        where,
        kind === 'audio' || kind === 'video'
          ? editor.schema.nodes.mediaFigure.create({ kind, src: data.url, caption: details.alt })
          : editor.schema.nodes.imageFigure.create({
          src: data.url,
          alt: typeof data.alt === 'string' ? data.alt : details.alt,
          credit: typeof data.credit === 'string' ? data.credit : details.credit,
          caption: '',
          width: Number(data.width) > 0 ? Number(data.width) : null,
          height: Number(data.height) > 0 ? Number(data.height) : null,
          }),
      );
      ctx.uploads.delete(id);
      editor.view.dispatch(tr);
    } else {
      fail((data && data.error) || `the server answered ${xhr.status}`);
    }
  });
  xhr.addEventListener('error', () => fail('the connection failed.'));
  xhr.addEventListener('abort', () => fail('the upload was stopped.'));
  xhr.send(form);
}

/** Asks the details of each image file in turn, then uploads it. */
export async function addImageFiles(editor, ctx, files, pos) {
  let at = pos;
  for (const file of files) {
    if (!editor.isEditable) return;
    const details = await askImageDetails(editor, file);
    if (!details) continue;
    const where = at == null ? editor.state.selection.to : at;
    uploadImage(editor, ctx, file, details, where);
    at = null;
  }
}

/** Opens the file picker for images. */
export function pickImages(editor, ctx) {
  const input = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif,image/avif,audio/mpeg,audio/ogg,audio/mp4,audio/x-m4a,video/mp4,video/webm', multiple: true, class: 'mh-file-input' });
  input.hidden = true;
  input.addEventListener('change', () => {
    const files = Array.from(input.files || []).filter(isMediaFile);
    input.remove();
    if (files.length) addImageFiles(editor, ctx, files, null);
    else editor.commands.focus();
  });
  input.addEventListener('cancel', () => {
    input.remove();
    editor.commands.focus();
  });
  document.body.append(input);
  input.click();
}

/** Asks the server whether `url` can be embedded: `{ok, data}` or `{ok: false, error}`. */
export async function lookupEmbed(url) {
  try {
    const response = await fetch(`/admin/embed?url=${encodeURIComponent(url)}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      /* not JSON */
    }
    if (response.ok && data && typeof data.frame === 'string' && data.frame) return { ok: true, data };
    return { ok: false, error: (data && data.error) || `The server cannot embed this address (it answered ${response.status}).` };
  } catch (_) {
    return { ok: false, error: 'The server could not be reached.' };
  }
}

/** Inserts an embed card for the server's answer `data` at the cursor. */
export function insertEmbed(editor, data, asked) {
  const pos = blockInsertPos(editor.state.doc, editor.state.selection.to);
  return insertCard(editor, pos, 'embedFigure', {
    frame: data.frame,
    url: typeof data.url === 'string' && data.url ? data.url : asked,
    provider: typeof data.provider === 'string' ? data.provider : '',
    caption: '',
  });
}

/** The audio and video the library takes (judged again by content on the server). */
const PLAYABLE = ['audio/mpeg', 'audio/mp3', 'audio/ogg', 'audio/mp4', 'audio/x-m4a', 'audio/m4a', 'video/mp4', 'video/webm'];

/** Whether a file is one the library takes: an image, or our own audio or video. */
export function isMediaFile(f) {
  const type = (f.type || '').toLowerCase();
  return type.startsWith('image/') || PLAYABLE.includes(type);
}
