// Live preview of the article text in the editor. The page works without it: this only
// shows, as you type, what the text will look like once saved.
(function () {
  var body = document.getElementById('body');
  var pane = document.querySelector('.preview-pane');
  var out = document.getElementById('preview');
  var form = body && body.form;
  if (!body || !pane || !out || !form) return;
  var csrf = form.querySelector('input[name=csrf]').value;
  var timer = null;
  function render() {
    var data = new URLSearchParams();
    data.set('csrf', csrf);
    data.set('body', body.value);
    fetch('/admin/preview', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { out.innerHTML = html; pane.hidden = false; })
      .catch(function () { /* the preview is a convenience; saving still works */ });
  }
  body.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  render();
})();
