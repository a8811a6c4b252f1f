// How image, embed and media cards look in the editor: the figure and plain inputs for what
// readers see around it. Editing an input updates the node's attributes; the stored HTML is
// made by the nodes' renderHTML, not by these views.
import { h, uid } from './dom.js';

const FIELD_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'LABEL']);

function isField(target) {
  for (let el = target; el && el.nodeType === 1; el = el.parentElement) {
    if (FIELD_TAGS.has(el.tagName)) return true;
    if (el.classList && el.classList.contains('mh-card')) return false;
  }
  return false;
}

/** A base node view: a non-editable card whose inputs edit attributes of its node. */
function cardView({ node, getPos, editor }, build) {
  let current = node;
  const dom = h('div', { class: 'mh-card', contenteditable: 'false', 'data-card': node.type.name });
  const inputs = new Map();

  const setAttr = (name, value) => {
    const pos = typeof getPos === 'function' ? getPos() : null;
    if (typeof pos !== 'number' || !editor.isEditable) return;
    const { state, view } = editor;
    const here = state.doc.nodeAt(pos);
    if (!here || here.type !== current.type || here.attrs[name] === value) return;
    view.dispatch(state.tr.setNodeMarkup(pos, undefined, { ...here.attrs, [name]: value }));
  };

  const field = (name, label, opts = {}) => {
    const id = uid(name);
    const input = h('input', {
      id,
      type: 'text',
      class: 'mh-field-input',
      autocomplete: 'off',
      spellcheck: opts.spellcheck ? 'true' : 'false',
      'aria-describedby': opts.describedBy,
      readonly: !editor.isEditable,
    });
    input.value = current.attrs[name] || '';
    input.addEventListener('input', () => setAttr(name, input.value));
    input.addEventListener('keydown', (e) => {
      // Enter would submit the article form: it ends the field instead.
      if (e.key === 'Enter') {
        e.preventDefault();
        editor.commands.focus();
      }
    });
    inputs.set(name, input);
    return h('p', { class: 'mh-field' }, h('label', { for: id }, label), input);
  };

  const remove = (label) => {
    const button = h('button', { type: 'button', class: 'mh-remove', 'aria-label': label, title: label }, '\u00d7');
    button.hidden = !editor.isEditable;
    button.addEventListener('click', () => {
      const pos = getPos();
      if (typeof pos !== 'number') return;
      const { state, view } = editor;
      view.dispatch(state.tr.delete(pos, pos + current.nodeSize));
      editor.commands.focus();
    });
    return button;
  };

  const refresh = build({ dom, field, remove, node: current, editor });

  return {
    dom,
    update(next) {
      if (next.type !== current.type) return false;
      current = next;
      for (const [name, input] of inputs) {
        const value = next.attrs[name] || '';
        if (input.value !== value && document.activeElement !== input) input.value = value;
      }
      if (refresh) refresh(next);
      return true;
    },
    selectNode() {
      dom.classList.add('is-selected');
    },
    deselectNode() {
      dom.classList.remove('is-selected');
    },
    stopEvent(event) {
      return isField(event.target);
    },
    ignoreMutation() {
      return true;
    },
  };
}

export function imageView(props) {
  return cardView(props, ({ dom, field, remove, node }) => {
    const img = h('img', { src: node.attrs.src, alt: '', draggable: 'false' });
    const warnId = uid('alt-warning');
    const warning = h('p', { id: warnId, class: 'mh-warning', role: 'status' }, 'Describe this image for readers who cannot see it: alt text is required.');
    const alt = field('alt', 'Alt text (required)', { describedBy: warnId, spellcheck: true });
    const caption = field('caption', 'Caption', { spellcheck: true });
    const credit = field('credit', 'Credit');
    dom.classList.add('mh-image');
    dom.append(
      h('div', { class: 'mh-card-media' }, img),
      h('div', { class: 'mh-card-fields' }, warning, alt, caption, credit),
      remove('Remove image'),
    );
    const refresh = (n) => {
      if (img.getAttribute('src') !== n.attrs.src) img.setAttribute('src', n.attrs.src);
      const missing = !(n.attrs.alt || '').trim();
      warning.hidden = !missing;
      dom.classList.toggle('has-problem', missing);
      alt.querySelector('input').setAttribute('aria-invalid', missing ? 'true' : 'false');
    };
    refresh(node);
    return refresh;
  });
}

function hostOf(url) {
  try {
    return new URL(url, document.baseURI).hostname.replace(/^www\./, '');
  } catch (_) {
    return '';
  }
}

export function embedView(props) {
  return cardView(props, ({ dom, field, remove, node }) => {
    const provider = h('strong', { class: 'mh-provider' });
    const address = h('span', { class: 'mh-address' });
    dom.classList.add('mh-embed');
    dom.append(
      h('p', { class: 'mh-card-head' }, h('span', { class: 'mh-badge', 'aria-hidden': 'true' }, '\u25b6'), ' ', provider, ' ', address),
      h('p', { class: 'mh-note' }, 'Shown to readers as the provider\u2019s player; not loaded in the editor.'),
      field('caption', 'Caption', { spellcheck: true }),
      remove('Remove embed'),
    );
    const refresh = (n) => {
      provider.textContent = n.attrs.provider || hostOf(n.attrs.url) || hostOf(n.attrs.frame) || 'Embed';
      address.textContent = n.attrs.url;
    };
    refresh(node);
    return refresh;
  });
}

export function mediaView(props) {
  return cardView(props, ({ dom, remove, node }) => {
    dom.classList.add('mh-media');
    const label = h('strong', {}, node.attrs.kind === 'video' ? 'Video' : 'Audio');
    const player = h(node.attrs.kind === 'video' ? 'video' : 'audio', { controls: true, preload: 'none', src: node.attrs.src });
    const address = h('span', { class: 'mh-address' }, node.attrs.src);
    dom.append(h('p', { class: 'mh-card-head' }, label, ' ', address), player, remove(`Remove ${node.attrs.kind}`));
    return (n) => {
      address.textContent = n.attrs.src;
      if (player.getAttribute('src') !== n.attrs.src) player.setAttribute('src', n.attrs.src);
    };
  });
}
