// The toolbar: real buttons with labels, aria-pressed on toggles, one tab stop with arrow keys
// between the buttons (a roving tabindex).
import { canInsertFootnote, insertFootnote } from './footnotes.js';
import { h } from './dom.js';
import { DIR_TYPES } from './schema.js';

/** The blocks the right-to-left toggle acts on: text blocks in the selection (their list item for a list's paragraph). */
function dirTargets(state) {
  const { from, to } = state.selection;
  const targets = new Map();
  state.doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isTextblock) return true;
    const $pos = state.doc.resolve(pos);
    let target = node;
    let at = pos;
    if ($pos.depth > 0 && $pos.parent.type.name === 'listItem' && $pos.index() === 0) {
      target = $pos.parent;
      at = $pos.before();
    }
    if (DIR_TYPES.includes(target.type.name)) targets.set(at, target);
    return false;
  });
  return targets;
}

export function isRtl(state) {
  const targets = [...dirTargets(state).values()];
  return targets.length > 0 && targets.every((n) => n.attrs.dir === 'rtl');
}

/** Sets dir="rtl" on the current block(s), or removes it when they all have it. */
export function toggleRtl(editor) {
  const { state, view } = editor;
  const targets = dirTargets(state);
  if (!targets.size || !editor.isEditable) return false;
  const off = [...targets.values()].every((n) => n.attrs.dir === 'rtl');
  const tr = state.tr;
  for (const [pos, node] of targets) tr.setNodeMarkup(pos, undefined, { ...node.attrs, dir: off ? null : 'rtl' });
  view.dispatch(tr);
  view.focus();
  return true;
}

function inTable(editor) {
  return editor.isActive('table');
}

/** The buttons, in order; `sep` starts a new group. */
export function toolbarItems(actions) {
  const c = (editor) => editor.chain().focus();
  const canRun = (f) => (editor) => f(editor.can().chain().focus()).run();
  return [
    { name: 'paragraph', text: '\u00b6', label: 'Paragraph', toggle: true, active: (e) => e.isActive('paragraph'), run: (e) => c(e).setParagraph().run(), can: (e) => e.isActive('paragraph') || e.can().setParagraph() },
    { name: 'h2', text: 'H2', label: 'Heading 2', toggle: true, active: (e) => e.isActive('heading', { level: 2 }), run: (e) => c(e).toggleHeading({ level: 2 }).run(), can: canRun((x) => x.toggleHeading({ level: 2 })) },
    { name: 'h3', text: 'H3', label: 'Heading 3', toggle: true, active: (e) => e.isActive('heading', { level: 3 }), run: (e) => c(e).toggleHeading({ level: 3 }).run(), can: canRun((x) => x.toggleHeading({ level: 3 })) },
    { name: 'h4', text: 'H4', label: 'Heading 4', toggle: true, active: (e) => e.isActive('heading', { level: 4 }), run: (e) => c(e).toggleHeading({ level: 4 }).run(), can: canRun((x) => x.toggleHeading({ level: 4 })) },
    { sep: true },
    { name: 'bold', text: 'B', label: 'Bold', keys: 'Ctrl+B', toggle: true, active: (e) => e.isActive('bold'), run: (e) => c(e).toggleBold().run(), can: canRun((x) => x.toggleBold()) },
    { name: 'italic', text: 'I', label: 'Italic', keys: 'Ctrl+I', toggle: true, active: (e) => e.isActive('italic'), run: (e) => c(e).toggleItalic().run(), can: canRun((x) => x.toggleItalic()) },
    { name: 'strike', text: 'S', label: 'Strikethrough', keys: 'Ctrl+Shift+S', toggle: true, active: (e) => e.isActive('strike'), run: (e) => c(e).toggleStrike().run(), can: canRun((x) => x.toggleStrike()) },
    { name: 'link', text: 'Link', label: 'Link', keys: 'Ctrl+K', toggle: true, active: (e) => e.isActive('link'), run: () => actions.link(), can: (e) => !e.state.selection.$from.parent.type.spec.code },
    { sep: true },
    { name: 'bulletList', text: '\u2022 List', label: 'Bulleted list', toggle: true, active: (e) => e.isActive('bulletList'), run: (e) => c(e).toggleBulletList().run(), can: canRun((x) => x.toggleBulletList()) },
    { name: 'orderedList', text: '1. List', label: 'Numbered list', toggle: true, active: (e) => e.isActive('orderedList'), run: (e) => c(e).toggleOrderedList().run(), can: canRun((x) => x.toggleOrderedList()) },
    { name: 'blockquote', text: 'Quote', label: 'Quote', toggle: true, active: (e) => e.isActive('blockquote'), run: (e) => c(e).toggleBlockquote().run(), can: canRun((x) => x.toggleBlockquote()) },
    { name: 'pullquote', text: 'Pull quote', label: 'Pull quote', toggle: true, active: (e) => e.isActive('pullquote'), run: (e) => c(e).toggleWrap('pullquote').run(), can: canRun((x) => x.toggleWrap('pullquote')) },
    { name: 'callout', text: 'Callout', label: 'Callout', toggle: true, active: (e) => e.isActive('callout'), run: (e) => c(e).toggleWrap('callout').run(), can: canRun((x) => x.toggleWrap('callout')) },
    { name: 'codeBlock', text: '</>', label: 'Code block', toggle: true, active: (e) => e.isActive('codeBlock'), run: (e) => c(e).toggleCodeBlock().run(), can: canRun((x) => x.toggleCodeBlock()) },
    { sep: true },
    { name: 'table', text: 'Table', label: 'Insert a table (3 by 3, with a header row)', run: (e) => c(e).insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(), can: (e) => !inTable(e) && e.can().insertTable({ rows: 3, cols: 3, withHeaderRow: true }) },
    { sep: true },
    { name: 'addRow', text: '+ Row', label: 'Add a row below', tableOnly: true, run: (e) => c(e).addRowAfter().run(), can: canRun((x) => x.addRowAfter()) },
    { name: 'deleteRow', text: '\u2212 Row', label: 'Remove this row', tableOnly: true, run: (e) => c(e).deleteRow().run(), can: canRun((x) => x.deleteRow()) },
    { name: 'addColumn', text: '+ Col', label: 'Add a column to the right', tableOnly: true, run: (e) => c(e).addColumnAfter().run(), can: canRun((x) => x.addColumnAfter()) },
    { name: 'deleteColumn', text: '\u2212 Col', label: 'Remove this column', tableOnly: true, run: (e) => c(e).deleteColumn().run(), can: canRun((x) => x.deleteColumn()) },
    { name: 'deleteTable', text: '\u2212 Table', label: 'Remove the table', tableOnly: true, run: (e) => c(e).deleteTable().run(), can: canRun((x) => x.deleteTable()) },
    { sep: true },
    { name: 'footnote', text: 'Note', label: 'Insert a footnote', run: (e) => insertFootnote(e), can: (e) => canInsertFootnote(e.state) },
    { name: 'image', text: 'Image', label: 'Insert an image, or our own audio or video', run: () => actions.image(), can: () => true },
    { name: 'embed', text: 'Embed', label: 'Embed a video or post', run: () => actions.embed(), can: () => true },
    { name: 'rtl', text: 'RTL', label: 'Right-to-left text', toggle: true, active: (e) => isRtl(e.state), run: (e) => toggleRtl(e), can: (e) => dirTargetsCount(e) > 0 },
    { sep: true },
    { name: 'undo', text: '\u21b6', label: 'Undo', keys: 'Ctrl+Z', run: (e) => c(e).undo().run(), can: (e) => e.can().undo() },
    { name: 'redo', text: '\u21b7', label: 'Redo', keys: 'Ctrl+Shift+Z', run: (e) => c(e).redo().run(), can: (e) => e.can().redo() },
  ];
}

function dirTargetsCount(editor) {
  return dirTargets(editor.state).size;
}

/** Builds the toolbar for `editor`; returns its element. */
export function buildToolbar(editor, actions) {
  const bar = h('div', { class: 'mh-toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': editor.view.dom.id || null });
  const buttons = [];
  let group = h('div', { class: 'mh-group', role: 'group' });
  bar.append(group);
  for (const item of toolbarItems(actions)) {
    if (item.sep) {
      group = h('div', { class: 'mh-group', role: 'group' });
      bar.append(group);
      continue;
    }
    const title = item.keys ? `${item.label} (${item.keys})` : item.label;
    const button = h('button', {
      type: 'button',
      class: `mh-btn mh-btn-${item.name}`,
      'aria-label': spokenName(item),
      title,
      'aria-pressed': item.toggle ? 'false' : null,
      tabindex: '-1',
      'data-action': item.name,
    }, item.text);
    // Keep the editor's selection when the button is clicked with a mouse.
    button.addEventListener('mousedown', (e) => e.preventDefault());
    button.addEventListener('click', () => {
      if (button.disabled) return;
      item.run(editor);
    });
    if (item.tableOnly) group.classList.add('mh-table-tools');
    buttons.push({ item, button });
    group.append(button);
  }
  let current = 0;
  const focusable = () => buttons.filter((b) => !b.button.disabled && !b.button.closest('[hidden]') && !b.button.hidden);
  const setCurrent = (button) => {
    for (const b of buttons) b.button.tabIndex = b.button === button ? 0 : -1;
    current = buttons.findIndex((b) => b.button === button);
  };
  bar.addEventListener('focusin', (e) => {
    const b = buttons.find((x) => x.button === e.target);
    if (b) setCurrent(b.button);
  });
  bar.addEventListener('keydown', (e) => {
    const list = focusable();
    const i = list.findIndex((b) => b.button === document.activeElement);
    let next = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = list[(i + 1) % list.length];
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = list[(i - 1 + list.length) % list.length];
    else if (e.key === 'Home') next = list[0];
    else if (e.key === 'End') next = list[list.length - 1];
    else if (e.key === 'Escape') {
      e.preventDefault();
      editor.commands.focus();
      return;
    }
    if (next) {
      e.preventDefault();
      setCurrent(next.button);
      next.button.focus();
    }
  });

  const update = () => {
    const tableOn = inTable(editor);
    bar.querySelectorAll('.mh-table-tools').forEach((g) => {
      g.hidden = !tableOn;
    });
    for (const { item, button } of buttons) {
      let enabled = editor.isEditable;
      try {
        if (enabled && item.can) enabled = !!item.can(editor);
      } catch (_) {
        enabled = false;
      }
      button.disabled = !enabled;
      if (item.toggle) {
        let on = false;
        try {
          on = !!item.active(editor);
        } catch (_) {
          on = false;
        }
        button.setAttribute('aria-pressed', on ? 'true' : 'false');
      }
    }
    // The tab stop stays on a button that can take focus.
    const list = focusable();
    const stop = buttons[current];
    if (!stop || !list.includes(stop)) {
      if (list.length) setCurrent(list[0].button);
    } else {
      setCurrent(stop.button);
    }
  };
  editor.on('transaction', update);
  editor.on('focus', update);
  update();
  return bar;
}

/**
 * The button's accessible name: its label, beginning with the words it shows when the label
 * does not already hold them (WCAG 2.5.3, label in name: "1. List, numbered list"), so that
 * someone who says what they see can press it.
 */
function spokenName(item) {
  const words = (t) => t.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const shown = words(item.text);
  const named = words(item.label);
  if (!shown.length || shown.every((w) => named.includes(w))) return item.label;
  return `${item.text.replace(/^[^\p{L}\p{N}]+/u, '')}, ${item.label.charAt(0).toLowerCase()}${item.label.slice(1)}`;
}
