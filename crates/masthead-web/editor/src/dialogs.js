// In-page dialogs (<dialog>, never window.prompt): link address, embed address, and the
// details asked before an image is uploaded. Each is labelled by its heading, and focus goes
// back to the editor when it closes.
import { h, uid } from './dom.js';

/**
 * Builds a modal dialog with `title`, `body` elements and action buttons. `onSubmit(values)`
 * may return a message to show (the dialog stays open) or nothing (it closes).
 */
function makeDialog({ title, body, submitLabel, extraButtons = [], onSubmit, onClose }) {
  const titleId = uid('dialog-title');
  const error = h('p', { class: 'mh-dialog-error', role: 'alert' });
  error.hidden = true;
  const submit = h('button', { type: 'submit', class: 'mh-primary' }, submitLabel);
  const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
  const form = h('form', { method: 'dialog' }, h('h2', { id: titleId }, title), ...body, error, h('p', { class: 'mh-dialog-actions' }, submit, ...extraButtons, cancel));
  const dialog = h('dialog', { class: 'mh-dialog', 'aria-labelledby': titleId }, form);
  let busy = false;
  const showError = (message) => {
    error.textContent = message || '';
    error.hidden = !message;
  };
  cancel.addEventListener('click', () => dialog.close('cancel'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    submit.disabled = true;
    dialog.setAttribute('aria-busy', 'true');
    try {
      const message = await onSubmit();
      if (message) showError(message);
      else dialog.close('ok');
    } finally {
      busy = false;
      submit.disabled = false;
      dialog.removeAttribute('aria-busy');
    }
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose(dialog.returnValue);
  });
  document.body.append(dialog);
  return { dialog, showError };
}

function labelled(label, input, hint) {
  const id = input.id || uid('input');
  input.id = id;
  return h('p', { class: 'mh-dialog-field' }, h('label', { for: id }, label), input, hint ? h('small', {}, hint) : null);
}

const ALLOWED_LINK = /^(https?:\/\/[^\s/$.?#][^\s]*|mailto:[^\s@]+@[^\s@]+|#[^\s]*|\/[^\s]*)$/i;

/** Whether `href` is an address the link dialog accepts: http(s), mailto, #… or /…. */
export function isAcceptedLink(href) {
  return ALLOWED_LINK.test(href);
}

/** Asks for a link address for the selection (Ctrl/Cmd+K and the toolbar). */
export function openLinkDialog(editor) {
  if (!editor.isEditable) return;
  const current = editor.getAttributes('link').href || '';
  const input = h('input', { type: 'text', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://' });
  input.value = current;
  const removeButton = h('button', { type: 'button' }, 'Remove link');
  removeButton.hidden = !current;
  const { dialog } = makeDialog({
    title: current ? 'Edit link' : 'Add a link',
    body: [labelled('Address', input, 'https://…, mailto:…, /a/page on this site or #a-note')],
    submitLabel: 'Apply',
    extraButtons: [removeButton],
    onSubmit: () => {
      const href = input.value.trim();
      if (!href) return 'Give an address, or cancel.';
      if (!isAcceptedLink(href)) return 'Use an address that starts with https://, http://, mailto:, / or #.';
      const chain = editor.chain();
      if (editor.state.selection.empty) {
        if (editor.isActive('link')) chain.extendMarkRange('link').setLink({ href }).run();
        else chain.insertContent({ type: 'text', text: href, marks: [{ type: 'link', attrs: { href } }] }).run();
      } else {
        chain.setLink({ href }).run();
      }
      return null;
    },
    onClose: () => editor.commands.focus(),
  });
  removeButton.addEventListener('click', () => {
    editor.chain().extendMarkRange('link').unsetLink().run();
    dialog.close('removed');
  });
  dialog.showModal();
  input.select();
}

/** Asks for the address of something to embed, checks it with the server, calls `insert(data)`. */
export function openEmbedDialog(editor, lookup, insert) {
  if (!editor.isEditable) return;
  const input = h('input', { type: 'text', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://' });
  const { dialog } = makeDialog({
    title: 'Embed a video or post',
    body: [labelled('Address of the page', input, 'For example a YouTube or Vimeo address.')],
    submitLabel: 'Embed',
    onSubmit: async () => {
      const url = input.value.trim();
      if (!/^https?:\/\/\S+$/i.test(url)) return 'Give the full address, starting with https://.';
      const answer = await lookup(url);
      if (!answer.ok) return answer.error;
      insert(answer.data, url);
      return null;
    },
    onClose: () => editor.commands.focus(),
  });
  dialog.showModal();
  input.focus();
}

/**
 * Asks for alt text (required), credit, licence and whether the image may travel with
 * republished copies. Resolves to those details, or null when cancelled.
 */
export function askImageDetails(editor, file) {
  const playable = Boolean(file && /^(audio|video)\//.test(file.type || ''));
  return new Promise((resolve) => {
    let result = null;
    const preview = h('img', { class: 'mh-dialog-preview', alt: '' });
    if (file && typeof FileReader !== 'undefined' && file.size < 8 * 1024 * 1024) {
      // A data: address: the CSP allows those for images, not blob: ones.
      const reader = new FileReader();
      reader.addEventListener('load', () => {
        if (typeof reader.result === 'string' && reader.result.startsWith('data:image/')) preview.src = reader.result;
      });
      reader.readAsDataURL(file);
    } else {
      preview.hidden = true;
    }
    const alt = h('input', { type: 'text', required: true, autocomplete: 'off' });
    const credit = h('input', { type: 'text', autocomplete: 'off' });
    const licence = h('input', { type: 'text', autocomplete: 'off', placeholder: 'CC BY 4.0; Agency: our own use only' });
    const travels = h('input', { type: 'checkbox', checked: true });
    travels.checked = true;
    const travelsId = uid('travels');
    travels.id = travelsId;
    const { dialog } = makeDialog({
      title: playable ? (file.type.startsWith('audio/') ? 'Add audio' : 'Add a video') : 'Add an image',
      body: [
        h('p', { class: 'mh-dialog-file' }, preview, h('span', {}, file ? file.name : '')),
        labelled(playable ? 'Description: what it is, shown under the player (required)' : 'Alt text: what the image shows, for readers who cannot see it (required)', alt),
        labelled('Credit', credit),
        labelled('Licence (the terms we hold it under)', licence),
        h('p', { class: 'mh-dialog-field mh-check' }, travels, ' ', h('label', { for: travelsId }, 'May travel with republished copies')),
      ],
      submitLabel: 'Upload',
      onSubmit: () => {
        const text = alt.value.trim();
        if (!text) {
          alt.focus();
          return 'Alt text is required.';
        }
        result = { alt: text, credit: credit.value.trim(), licence: licence.value.trim(), travels: travels.checked };
        return null;
      },
      onClose: () => {
        editor.commands.focus();
        resolve(result);
      },
    });
    dialog.showModal();
    alt.focus();
  });
}
