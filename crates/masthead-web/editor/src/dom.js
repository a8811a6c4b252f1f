// Small DOM helpers. Nothing here sets a `style` attribute or writes markup with inline
// handlers: the admin pages' Content-Security-Policy forbids both.

/** Creates `tag` with `attrs` (set with setAttribute; `null`/`false` skipped) and children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (name === 'style') throw new Error('no inline styles');
      if (name === 'hidden') el.hidden = true;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let counter = 0;
/** A fresh id for labels and descriptions. */
export function uid(prefix) {
  counter += 1;
  return `mh-${prefix}-${counter}`;
}

/** "14:02" for a Date. */
export function clock(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Posts `fields` as an ordinary form (application/x-www-form-urlencoded). */
export function postForm(url, fields) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) body.append(k, v == null ? '' : String(v));
  return fetch(url, {
    method: 'POST',
    body,
    credentials: 'same-origin',
    headers: { Accept: 'application/json, text/html;q=0.9' },
  });
}

/** The `error` of a JSON error answer, or a plain sentence about the status. */
export async function errorOf(response) {
  try {
    const data = await response.clone().json();
    if (data && typeof data.error === 'string' && data.error) return data.error;
  } catch (_) {
    /* not JSON */
  }
  return `the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}
