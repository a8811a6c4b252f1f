// Footnotes: references numbered 1..n in document order, and one block of notes at the end
// whose items follow the same order. One plugin keeps that true after every change; the
// "insert footnote" command only adds a reference and lets the plugin make its note.
import { Extension } from '@tiptap/core';
import { Fragment, Slice } from '@tiptap/pm/model';
import { Plugin, PluginKey, Selection, TextSelection } from '@tiptap/pm/state';

export const footnotesKey = new PluginKey('mhFootnotes');

/** Per-editor memory: notes copied with their references, and notes waiting for a pasted reference. */
function createMemory() {
  return { fresh: -1, clip: null, pending: new Map() };
}

function paragraphsOf(item, schema) {
  const out = [];
  if (item) {
    item.forEach((child) => {
      if (child.type === schema.nodes.paragraph) out.push(child);
      else if (child.isTextblock) out.push(schema.nodes.paragraph.create(null, child.content));
    });
  }
  if (!out.length) out.push(schema.nodes.paragraph.create());
  return out;
}

/** A note numbered `n` with the paragraphs of `source` (an item or a fragment), one backlink at the end. */
function makeItem(schema, source, n) {
  const { paragraph, footnoteRef, footnoteBackref, footnoteItem } = schema.nodes;
  const paras = paragraphsOf(source, schema).map((p, i, all) => {
    const kids = [];
    p.forEach((child) => {
      if (child.type !== footnoteRef && child.type !== footnoteBackref) kids.push(child);
    });
    if (i === all.length - 1) kids.push(footnoteBackref.create({ n }));
    return paragraph.create(p.attrs, kids);
  });
  return footnoteItem.create({ n }, paras);
}

/** The transaction that puts footnotes right in `state`, or null when they already are. */
export function fixFootnotes(state, memory) {
  const { doc, schema } = state;
  const { footnoteRef, footnotes, footnoteItem, footnoteBackref } = schema.nodes;
  const refs = [];
  const sections = [];
  const strays = [];
  doc.descendants((node, pos) => {
    if (node.type === footnotes) {
      sections.push({ node, pos });
      return false;
    }
    if (node.type === footnoteRef) refs.push({ node, pos });
    else if (node.type === footnoteBackref) strays.push({ node, pos });
    return true;
  });

  const byOld = new Map();
  for (const s of sections) {
    s.node.forEach((item) => {
      if (item.type === footnoteItem && !byOld.has(item.attrs.n)) byOld.set(item.attrs.n, item);
    });
  }
  const used = new Set();
  const items = refs.map((r, i) => {
    const old = r.node.attrs.n;
    let source = null;
    if (!used.has(old)) {
      used.add(old);
      if (byOld.has(old)) source = byOld.get(old);
      else if (memory && memory.pending.has(old)) source = memory.pending.get(old);
    }
    return makeItem(schema, source, i + 1);
  });
  const desired = items.length ? footnotes.create(null, items) : null;

  const refsOk = refs.every((r, i) => r.node.attrs.n === i + 1);
  const sectionOk = desired
    ? sections.length === 1 &&
      sections[0].pos + sections[0].node.nodeSize === doc.content.size &&
      sections[0].node.eq(desired)
    : sections.length === 0;
  if (refsOk && sectionOk && strays.length === 0) return null;

  const tr = state.tr;
  refs.forEach((r, i) => {
    if (r.node.attrs.n !== i + 1) tr.setNodeMarkup(r.pos, undefined, { ...r.node.attrs, n: i + 1 });
  });
  // Where the cursor was inside the notes, to put it back at the same place in the new ones.
  const sel = state.selection;
  let inside = null;
  if (sections.length === 1) {
    const s = sections[0];
    if (sel.from > s.pos && sel.to < s.pos + s.node.nodeSize) inside = { from: sel.from - s.pos, to: sel.to - s.pos };
  }
  if (desired) tr.insert(tr.doc.content.size, desired);
  const removals = [
    ...sections.map((s) => [s.pos, s.pos + s.node.nodeSize]),
    ...strays.map((b) => [b.pos, b.pos + b.node.nodeSize]),
  ].sort((a, b) => b[0] - a[0]);
  for (const [from, to] of removals) tr.delete(tr.mapping.map(from, 1), tr.mapping.map(to, -1));
  if (inside && desired) {
    const start = tr.doc.content.size - desired.nodeSize;
    const clamp = (p) => Math.max(start + 1, Math.min(start + desired.nodeSize - 1, start + p));
    try {
      const $a = tr.doc.resolve(clamp(inside.from));
      const $b = tr.doc.resolve(clamp(inside.to));
      tr.setSelection($a.parent.inlineContent && $b.parent.inlineContent ? TextSelection.between($a, $b) : Selection.near($a));
    } catch (_) {
      /* the mapped selection stays */
    }
  }
  if (memory) memory.pending.clear();
  return tr;
}

/** Renumbers pasted references (and notes pasted with them) so they cannot take others' notes. */
function remapPasted(slice, view, memory) {
  if (view.dragging) return slice; // moved within the editor: the reference keeps its note
  const { schema } = view.state;
  const { footnoteRef, footnoteItem } = schema.nodes;
  let found = false;
  const pastedNotes = new Set();
  slice.content.descendants((node) => {
    if (node.type === footnoteRef) found = true;
    if (node.type === footnoteItem) pastedNotes.add(node.attrs.n);
  });
  if (!found) return slice;
  const clip = memory.clip && memory.clip.text === slice.content.textBetween(0, slice.content.size, '\n', '\ufffc') ? memory.clip : null;
  const fresh = new Map();
  const idFor = (old) => {
    if (!fresh.has(old)) {
      const id = memory.fresh;
      memory.fresh -= 1;
      fresh.set(old, id);
      if (!pastedNotes.has(old) && clip && clip.notes.has(old)) memory.pending.set(id, clip.notes.get(old));
    }
    return fresh.get(old);
  };
  const mapFragment = (fragment) => {
    const out = [];
    fragment.forEach((node) => {
      if (node.type === footnoteRef) out.push(node.type.create({ ...node.attrs, n: idFor(node.attrs.n) }, null, node.marks));
      else if (node.type === footnoteItem) out.push(node.type.create({ ...node.attrs, n: idFor(node.attrs.n) }, mapFragment(node.content), node.marks));
      else if (node.isLeaf || node.isText) out.push(node);
      else out.push(node.copy(mapFragment(node.content)));
    });
    return Fragment.fromArray(out);
  };
  return new Slice(mapFragment(slice.content), slice.openStart, slice.openEnd);
}

/** Remembers the notes of the references in what is copied or cut. */
function rememberCopied(slice, view, memory) {
  const { schema, doc } = view.state;
  const { footnoteRef, footnotes } = schema.nodes;
  const wanted = new Set();
  slice.content.descendants((node) => {
    if (node.type === footnoteRef) wanted.add(node.attrs.n);
  });
  if (!wanted.size) return slice;
  const notes = new Map();
  doc.forEach((node) => {
    if (node.type !== footnotes) return;
    node.forEach((item) => {
      if (wanted.has(item.attrs.n) && !notes.has(item.attrs.n)) notes.set(item.attrs.n, item);
    });
  });
  memory.clip = { text: slice.content.textBetween(0, slice.content.size, '\n', '\ufffc'), notes };
  return slice;
}

export const FootnoteNumbering = Extension.create({
  name: 'mhFootnoteNumbering',
  addStorage() {
    return { memory: createMemory() };
  },
  addProseMirrorPlugins() {
    const memory = this.storage.memory;
    return [
      new Plugin({
        key: footnotesKey,
        appendTransaction(transactions, _old, state) {
          if (!transactions.some((t) => t.docChanged)) return null;
          return fixFootnotes(state, memory);
        },
        props: {
          transformPasted: (slice, view) => remapPasted(slice, view, memory),
          transformCopied: (slice, view) => rememberCopied(slice, view, memory),
        },
      }),
    ];
  },
});

/** Whether a footnote can be inserted at the cursor. */
export function canInsertFootnote(state) {
  const { $from } = state.selection;
  if (!state.schema.nodes.footnoteRef) return false;
  if (!$from.parent.inlineContent || $from.parent.type.spec.code) return false;
  for (let d = $from.depth; d > 0; d -= 1) if ($from.node(d).type.name === 'footnotes') return false;
  return true;
}

/**
 * Adds the next footnote at the cursor (after the selection), its empty note at the end, and
 * puts the cursor in the note. The numbering plugin makes the note and renumbers.
 */
export function insertFootnote(editor) {
  const { state, view } = editor;
  if (!editor.isEditable || !canInsertFootnote(state)) return false;
  const memory = editor.storage.mhFootnoteNumbering.memory;
  const at = state.selection.to;
  let before = 0;
  state.doc.descendants((node, pos) => {
    if (node.type.name === 'footnotes') return false;
    if (node.type.name === 'footnoteRef' && pos < at) before += 1;
    return true;
  });
  const id = memory.fresh;
  memory.fresh -= 1;
  view.dispatch(state.tr.insert(at, state.schema.nodes.footnoteRef.create({ n: id })).scrollIntoView());
  // References are numbered in document order, so the new one is number before + 1.
  const target = noteEnd(view.state.doc, before + 1);
  if (target != null) {
    view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, target)).scrollIntoView());
  }
  view.focus();
  return true;
}

/** The position at the end of note `n`'s last paragraph, before its backlink. */
export function noteEnd(doc, n) {
  let found = null;
  doc.forEach((section, sectionOffset) => {
    if (found != null || section.type.name !== 'footnotes') return;
    section.forEach((item, itemOffset) => {
      if (found != null || item.attrs.n !== n) return;
      const itemStart = sectionOffset + 1 + itemOffset;
      const para = item.lastChild;
      let offset = 0;
      item.forEach((_child, childOffset, index) => {
        if (index === item.childCount - 1) offset = childOffset;
      });
      const paraEnd = itemStart + 1 + offset + para.nodeSize - 1;
      const last = para.lastChild;
      found = last && last.type.name === 'footnoteBackref' ? paraEnd - 1 : paraEnd;
    });
  });
  return found;
}
