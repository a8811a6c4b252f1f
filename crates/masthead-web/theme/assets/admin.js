// The admin's small enhancements. Every page works without them: the form's own fields are
// what is sent; these only make them quicker to use.

// Pickers: the authors, regions, themes and tags of the article form become a list of what is
// chosen (bylines in order, with buttons and drag to reorder) and a type-to-search field that
// finds among hundreds or thousands; a tag not found can be created on the fly. The checkboxes
// (and the bylines' position numbers) stay in the form, hidden, and are kept in step.
(function () {
  var form = document.querySelector('form.editor');
  if (!form) return;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }

  var serial = 0;
  Array.prototype.forEach.call(form.querySelectorAll('fieldset'), function (fieldset) {
    var boxes = Array.prototype.filter.call(fieldset.querySelectorAll('input[type=checkbox]'), function (b) {
      return b.name === 'author_ids' || b.name === 'term_ids';
    });
    if (!boxes.length && !fieldset.querySelector('#new_tags')) return;
    var ordered = fieldset.classList.contains('authors');
    var newTags = fieldset.querySelector('#new_tags');
    var legend = fieldset.querySelector('legend');
    var what = legend ? legend.textContent.replace(/\s*\(.*\)\s*$/, '') : 'Choices';
    serial += 1;
    var id = 'picker-' + serial;

    var items = boxes.map(function (box) {
      var label = box.closest('label');
      var name = (label ? label.textContent : box.value).trim();
      var position = ordered ? fieldset.querySelector('input[name=author_pos_' + box.value + ']') : null;
      return { box: box, name: name, position: position, wrapper: box.closest('.choice') || label };
    });
    items.forEach(function (item) { if (item.wrapper) item.wrapper.hidden = true; });
    if (newTags) newTags.closest('p').hidden = true;

    var picker = el('div', { 'class': 'picker' });
    var chosenList = el(ordered ? 'ol' : 'ul', { 'class': 'picker-chosen', 'aria-label': what + ' chosen' });
    var search = el('input', {
      type: 'search', id: id, 'class': 'picker-search', autocomplete: 'off', role: 'combobox',
      'aria-expanded': 'false', 'aria-controls': id + '-options', 'aria-autocomplete': 'list'
    });
    var searchLabel = el('label', { 'for': id }, 'Find ' + what.toLowerCase() + (newTags ? ' or type a new one' : ''));
    var options = el('ul', { id: id + '-options', role: 'listbox', 'class': 'picker-options', hidden: '' });
    picker.appendChild(chosenList);
    picker.appendChild(searchLabel);
    picker.appendChild(search);
    picker.appendChild(options);
    fieldset.appendChild(picker);

    var order = items.filter(function (i) { return i.box.checked; });
    if (ordered) {
      order.sort(function (a, b) {
        return (parseInt(a.position && a.position.value, 10) || 1e9) - (parseInt(b.position && b.position.value, 10) || 1e9);
      });
    }
    var created = newTags && newTags.value ? newTags.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean) : [];

    function sync() {
      items.forEach(function (i) { i.box.checked = order.indexOf(i) >= 0; if (i.position) i.position.value = ''; });
      order.forEach(function (i, n) { if (i.position) i.position.value = String(n + 1); });
      if (newTags) newTags.value = created.join(', ');
      form.dispatchEvent(new Event('input', { bubbles: true }));
      render();
    }

    function move(item, by) {
      var at = order.indexOf(item);
      var to = at + by;
      if (to < 0 || to >= order.length) return;
      order.splice(at, 1);
      order.splice(to, 0, item);
      sync();
      var buttons = chosenList.children[to] && chosenList.children[to].querySelector(by < 0 ? '.up' : '.down');
      if (buttons) buttons.focus();
    }

    var dragged = null;
    function render() {
      chosenList.textContent = '';
      order.forEach(function (item, n) {
        var li = el('li', { 'class': 'picker-item' });
        li.appendChild(el('span', { 'class': 'picker-name' }, item.name));
        if (ordered) {
          li.draggable = true;
          li.addEventListener('dragstart', function (e) { dragged = item; e.dataTransfer.effectAllowed = 'move'; });
          li.addEventListener('dragover', function (e) { e.preventDefault(); });
          li.addEventListener('drop', function (e) {
            e.preventDefault();
            if (!dragged || dragged === item) return;
            var from = order.indexOf(dragged);
            order.splice(from, 1);
            var to = order.indexOf(item);
            order.splice(from <= to ? to + 1 : to, 0, dragged);
            dragged = null;
            sync();
          });
          var up = el('button', { type: 'button', 'class': 'up', 'aria-label': 'Move ' + item.name + ' earlier' }, '↑');
          var down = el('button', { type: 'button', 'class': 'down', 'aria-label': 'Move ' + item.name + ' later' }, '↓');
          up.disabled = n === 0;
          down.disabled = n === order.length - 1;
          up.addEventListener('click', function () { move(item, -1); });
          down.addEventListener('click', function () { move(item, 1); });
          li.appendChild(up);
          li.appendChild(down);
        }
        var remove = el('button', { type: 'button', 'class': 'remove', 'aria-label': 'Remove ' + item.name }, '×');
        remove.addEventListener('click', function () { order.splice(order.indexOf(item), 1); sync(); search.focus(); });
        li.appendChild(remove);
        chosenList.appendChild(li);
      });
      created.forEach(function (name) {
        var li = el('li', { 'class': 'picker-item picker-new' });
        li.appendChild(el('span', { 'class': 'picker-name' }, name + ' (new)'));
        var remove = el('button', { type: 'button', 'class': 'remove', 'aria-label': 'Remove ' + name }, '×');
        remove.addEventListener('click', function () { created.splice(created.indexOf(name), 1); sync(); });
        li.appendChild(remove);
        chosenList.appendChild(li);
      });
    }

    var active = -1;
    function suggest() {
      var q = search.value.trim().toLowerCase();
      options.textContent = '';
      active = -1;
      if (!q) { options.hidden = true; search.setAttribute('aria-expanded', 'false'); return; }
      var found = items.filter(function (i) { return order.indexOf(i) < 0 && i.name.toLowerCase().indexOf(q) >= 0; }).slice(0, 12);
      found.forEach(function (item) {
        var li = el('li', { role: 'option', id: id + '-o' + options.children.length }, item.name);
        li.addEventListener('mousedown', function (e) { e.preventDefault(); choose(item); });
        li.itemRef = item;
        options.appendChild(li);
      });
      var exact = items.some(function (i) { return i.name.toLowerCase() === q; });
      if (newTags && !exact && created.indexOf(search.value.trim()) < 0) {
        var add = el('li', { role: 'option', id: id + '-o' + options.children.length, 'class': 'picker-create' },
          'Create the tag “' + search.value.trim() + '”');
        add.addEventListener('mousedown', function (e) { e.preventDefault(); create(); });
        options.appendChild(add);
      }
      if (!options.children.length) options.appendChild(el('li', { 'class': 'picker-none' }, 'Nothing found'));
      options.hidden = false;
      search.setAttribute('aria-expanded', 'true');
    }
    function choose(item) {
      order.push(item);
      search.value = '';
      suggest();
      sync();
      search.focus();
    }
    function create() {
      var name = search.value.trim().replace(/,/g, ' ');
      if (name) created.push(name);
      search.value = '';
      suggest();
      sync();
    }
    function highlight(n) {
      var opts = Array.prototype.filter.call(options.children, function (o) { return o.getAttribute('role') === 'option'; });
      if (!opts.length) return;
      active = (n + opts.length) % opts.length;
      opts.forEach(function (o, i) { o.setAttribute('aria-selected', i === active ? 'true' : 'false'); });
      search.setAttribute('aria-activedescendant', opts[active].id);
    }
    search.addEventListener('input', suggest);
    search.addEventListener('blur', function () { options.hidden = true; search.setAttribute('aria-expanded', 'false'); });
    search.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); highlight(active + 1); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(active - 1); }
      else if (e.key === 'Escape') { search.value = ''; suggest(); }
      else if (e.key === 'Enter') {
        if (!search.value.trim()) return;
        e.preventDefault();
        var opts = Array.prototype.filter.call(options.children, function (o) { return o.getAttribute('role') === 'option'; });
        var pick = opts[active >= 0 ? active : 0];
        if (!pick) return;
        if (pick.itemRef) choose(pick.itemRef); else create();
      }
    });
    render();
  });
})();

// Live preview of the article text, for the plain text field (the rich editor shows the text
// as it will look already, and has a full-page preview).
(function () {
  var body = document.getElementById('body');
  var pane = document.querySelector('.preview-pane');
  var out = document.getElementById('preview');
  var form = body && body.form;
  if (!body || !pane || !out || !form) return;
  var csrf = form.querySelector('input[name=csrf]').value;
  var timer = null;
  function render() {
    if (form.classList.contains('has-rich-editor')) { pane.hidden = true; return; }
    var data = new URLSearchParams();
    data.set('csrf', csrf);
    data.set('body', body.value);
    var format = form.querySelector('input[name=body_format]');
    data.set('body_format', format ? format.value : 'markdown');
    fetch('/admin/preview', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { out.innerHTML = html; pane.hidden = false; })
      .catch(function () { /* the preview is a convenience; saving still works */ });
  }
  body.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  setTimeout(render, 0);
})();

// The featured image in the main form: choose a file and it is uploaded at once with the
// description and credit typed above it (never thrown away), its number filled in, its
// thumbnail shown; the article's next save features it.
(function () {
  var number = document.getElementById('featured_media_id');
  var form = number && number.form;
  if (!number || !form) return;
  var alt = document.getElementById('featured_alt');
  var credit = document.getElementById('featured_credit');
  var box = document.createElement('div');
  box.className = 'featured-picker';
  var thumb = document.createElement('img');
  thumb.className = 'featured-thumb';
  thumb.alt = '';
  thumb.hidden = !number.getAttribute('data-thumb');
  if (number.getAttribute('data-thumb')) thumb.src = number.getAttribute('data-thumb');
  var label = document.createElement('label');
  label.htmlFor = 'featured-file';
  label.textContent = 'Or upload one (its description and credit are the fields below)';
  var file = document.createElement('input');
  file.type = 'file';
  file.id = 'featured-file';
  file.accept = 'image/jpeg,image/png,image/webp';
  var progress = document.createElement('progress');
  progress.max = 100;
  progress.hidden = true;
  var said = document.createElement('p');
  said.className = 'featured-status';
  said.setAttribute('role', 'status');
  box.appendChild(thumb);
  box.appendChild(label);
  box.appendChild(file);
  box.appendChild(progress);
  box.appendChild(said);
  number.parentNode.appendChild(box);
  file.addEventListener('change', function () {
    var chosen = file.files && file.files[0];
    if (!chosen) return;
    if (!alt || !alt.value.trim()) {
      said.textContent = 'Describe the image first (Image description), for readers who cannot see it.';
      if (alt) alt.focus();
      file.value = '';
      return;
    }
    var data = new FormData();
    data.append('csrf', form.querySelector('input[name=csrf]').value);
    data.append('file', chosen, chosen.name);
    data.append('alt', alt.value.trim());
    data.append('credit', credit ? credit.value.trim() : '');
    data.append('travels', 'yes');
    if (form.getAttribute('data-article-id')) data.append('article', form.getAttribute('data-article-id'));
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/admin/media/upload.json');
    progress.hidden = false;
    progress.value = 0;
    said.textContent = 'Uploading…';
    xhr.upload.addEventListener('progress', function (e) { if (e.lengthComputable) progress.value = Math.round(e.loaded * 100 / e.total); });
    xhr.addEventListener('load', function () {
      progress.hidden = true;
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* shown below */ }
      if (xhr.status === 201) {
        number.value = String(answer.id);
        thumb.src = answer.url;
        thumb.hidden = false;
        said.textContent = 'Uploaded as image number ' + answer.id + '; save the article to feature it.';
        form.dispatchEvent(new Event('input', { bubbles: true }));
      } else {
        said.textContent = 'Not uploaded: ' + (answer.error || ('the server answered ' + xhr.status));
      }
      file.value = '';
    });
    xhr.addEventListener('error', function () { progress.hidden = true; said.textContent = 'Not uploaded: the connection failed.'; });
    xhr.send(data);
  });
})();
