// Click-to-load embeds: the public pages' only script. An embedded player or chart is shown as
// a link to it until the reader asks for it; nothing is requested from the third party before.
(function () {
  var names = {
    'www.youtube-nocookie.com': ['YouTube', 'video'],
    'player.vimeo.com': ['Vimeo', 'video'],
    'datawrapper.dwcdn.net': ['Datawrapper', 'chart'],
    'flo.uri.sh': ['Flourish', 'chart'],
    'w.soundcloud.com': ['SoundCloud', 'audio'],
    'open.spotify.com': ['Spotify', 'audio'],
    'embed.podcasts.apple.com': ['Apple Podcasts', 'audio'],
    'embed.bsky.app': ['Bluesky', 'post'],
    'www.openstreetmap.org': ['OpenStreetMap', 'map']
  };
  var figures = document.querySelectorAll('figure.embed[data-embed]');
  Array.prototype.forEach.call(figures, function (figure) {
    var frame;
    try { frame = new URL(figure.getAttribute('data-embed')); } catch (e) { return; }
    if (frame.protocol !== 'https:') return;
    var known = names[frame.hostname] || [frame.hostname + ' (Mastodon)', 'post'];
    var caption = figure.querySelector('figcaption');
    var box = document.createElement('div');
    box.className = 'embed-consent';
    var note = document.createElement('p');
    note.textContent = 'This ' + known[1] + ' is hosted by ' + known[0] +
      '. Loading it sends your address to ' + frame.hostname + '.';
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Load the ' + known[1] + ' from ' + known[0];
    box.appendChild(note);
    box.appendChild(button);
    figure.insertBefore(box, figure.firstChild);
    button.addEventListener('click', function () {
      var iframe = document.createElement('iframe');
      iframe.src = frame.href;
      iframe.title = (caption && caption.textContent.trim()) || (known[0] + ' ' + known[1]);
      iframe.setAttribute('allow', 'fullscreen; encrypted-media; picture-in-picture');
      iframe.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
      iframe.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups allow-presentation');
      iframe.className = 'embed-frame embed-' + known[1];
      figure.replaceChild(iframe, box);
      figure.classList.add('embed-loaded');
      iframe.focus();
    });
  });
})();
