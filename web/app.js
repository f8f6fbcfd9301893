// ibid serve: the page. It talks to the JSON API of the same server (docs/serve.md) and builds
// everything with textContent, never innerHTML of data. The side-by-side marking is ibidMark of
// side_by_side.js (loaded before this file), the same code as ibid report's page; offsets are
// code points, as the library counts them.
/* global ibidMark */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem('ibid-token') || '';
  var storyOffset = 0, storyLimit = 100;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function pct(x) { return Math.round(100 * x) + '%'; }

  function bar(share) {
    var b = el('span', 'bar'), s = el('span');
    s.style.width = pct(Math.min(1, share));
    b.appendChild(s);
    return b;
  }

  // fetch JSON; an answer with an error becomes a rejected promise with its message
  function api(method, path, body, type) {
    var h = {};
    if (type) h['Content-Type'] = type;
    if (token) h.Authorization = 'Bearer ' + token;
    return fetch(path, {method: method, headers: h, body: body}).then(function (r) {
      return r.json().then(function (j) {
        if (r.status === 401) $('auth').hidden = false;
        if (!r.ok) throw new Error(j.error ? j.error.message : 'HTTP ' + r.status);
        return j;
      });
    });
  }

  function status(msg, isErr) {
    $('status').textContent = msg;
    $('status').className = isErr ? 'err' : '';
  }

  function describe(meta) {
    var parts = [];
    if (meta && meta.title) parts.push(meta.title);
    if (meta && meta.date) parts.push(meta.date);
    if (meta && meta.source) parts.push(meta.source);
    return parts.join(' · ');
  }

  // Two texts side by side; passages are [begin_left, end_left, begin_right, end_right, kind].
  function compare(title, leftTitle, leftText, rightTitle, rightText, passages) {
    $('compare').hidden = false;
    $('compare-title').textContent = title;
    $('left-title').textContent = leftTitle;
    $('right-title').textContent = rightTitle;
    var title = function (p, i) { return 'passage ' + (i + 1) + ' (' + p[4] + ')'; };
    // ibidMark: web/side_by_side.js, shared with ibid report's page
    ibidMark($('left'), leftText, passages.map(function (p, i) {
      return [p[0], p[1], i, p[4], title(p, i)];
    }), $('right'));
    ibidMark($('right'), rightText, passages.map(function (p, i) {
      return [p[2], p[3], i, p[4], title(p, i)];
    }), $('left'));
  }

  // ---- Check a text ------------------------------------------------------------------------

  var last = null; // the text and the answer shown

  function showSource(i) {
    var s = last.answer.sources[i];
    document.querySelectorAll('#sources li').forEach(function (li, k) {
      li.classList.toggle('on', k === i);
    });
    compare('Your text and ' + s.id + ': ' + pct(s.share) + ' of your text', 'Your text',
            last.text, s.id + (describe(s.meta) ? ' (' + describe(s.meta) + ')' : ''), s.text,
            s.passages.map(function (p) {
              return [p.begin1, p.end1, p.begin2, p.end2, p.kind];
            }));
  }

  function find() {
    var text = $('text').value;
    if (!text.trim()) { status('Paste a text first.', true); return; }
    status('Looking…');
    $('find').disabled = true;
    api('POST', '/api/query', JSON.stringify({text: text, with_text: true}), 'application/json')
      .then(function (a) {
        last = {text: text, answer: a};
        $('result').hidden = false;
        var n = a.sources.length;
        $('summary').textContent = n
          ? pct(a.reused) + ' of the text is reused, from ' + a.n_sources +
            (a.n_sources === 1 ? ' stored document' : ' stored documents') +
            (a.truncated ? ' (the first ' + n + ' shown)' : '') + ':'
          : 'No stored document shares a passage with this text (' + a.n_candidates +
            ' compared).';
        var ol = $('sources');
        ol.textContent = '';
        a.sources.forEach(function (s, i) {
          var li = el('li');
          li.dataset.id = s.id;
          li.appendChild(bar(s.share));
          li.appendChild(el('b', null, s.id));
          li.appendChild(document.createTextNode(' ' + pct(s.share) + ' of your text, ' +
            s.passages.length + (s.passages.length === 1 ? ' passage ' : ' passages ')));
          li.appendChild(el('span', 'muted', describe(s.meta)));
          li.addEventListener('click', function () { showSource(i); });
          ol.appendChild(li);
        });
        if (n) showSource(0); else $('compare').hidden = true;
        status('');
      })
      .catch(function (e) { status(e.message, true); })
      .then(function () { $('find').disabled = false; });
  }

  // ---- Stories -----------------------------------------------------------------------------

  function loadStories() {
    api('GET', '/api/stories?offset=' + storyOffset + '&limit=' + storyLimit)
      .then(function (a) {
        $('stories-summary').textContent = a.n_stories + (a.n_stories === 1 ? ' story' : ' stories') +
          (a.n_stories > a.limit ? ', ' + (a.offset + 1) + ' to ' +
            Math.min(a.n_stories, a.offset + a.limit) + ' shown' : '') + '.';
        var tb = document.querySelector('#story-list tbody');
        tb.textContent = '';
        a.stories.forEach(function (s) {
          var tr = el('tr');
          [s.story, s.n_docs, s.first, (s.date_first || '') +
            (s.date_last && s.date_last !== s.date_first ? ' to ' + s.date_last : ''),
           s.title || ''].forEach(function (v) { tr.appendChild(el('td', null, v)); });
          tr.addEventListener('click', function () { openStory(s.story); });
          tb.appendChild(tr);
        });
        $('prev').disabled = a.offset === 0;
        $('next').disabled = a.offset + a.limit >= a.n_stories;
      })
      .catch(function (e) { $('stories-summary').textContent = e.message; });
  }

  function openStory(n) {
    api('GET', '/api/stories/' + n).then(function (s) {
      $('story').hidden = false;
      $('story-title').textContent = 'Story ' + s.story + ': ' + (s.title || s.first);
      var ol = $('timeline');
      ol.textContent = '';
      s.witnesses.forEach(function (w, i) {
        var li = el('li');
        li.appendChild(el('span', 'muted', (w.date || 'undated') + ' '));
        li.appendChild(el('b', null, w.id));
        li.appendChild(document.createTextNode(' '));
        li.appendChild(bar(w.reused_here));
        li.appendChild(el('span', 'muted', i === 0 ? 'first witness'
          : pct(w.reused_here) + ' from earlier witnesses'));
        li.addEventListener('click', function () { openPair(s.witnesses[0].id, w.id); });
        ol.appendChild(li);
      });
      $('story').scrollIntoView();
    }).catch(function (e) { $('stories-summary').textContent = e.message; });
  }

  function docPath(id) { return '/api/documents/' + encodeURIComponent(id); }

  // The first witness and another side by side (the first alone when they are the same).
  function openPair(a, b) {
    Promise.all([api('GET', docPath(a)), a === b ? null : api('GET', docPath(b))])
      .then(function (d) {
        var A = d[0], B = d[1] || d[0];
        var ps = A.passages.filter(function (p) { return p.other === B.id; })
          .map(function (p) { return [p.begin, p.end, p.other_begin, p.other_end, p.kind]; });
        compare(A.id + ' and ' + B.id, A.id + (describe(A.meta) ? ' (' + describe(A.meta) + ')'
          : ''), A.text, B.id + (describe(B.meta) ? ' (' + describe(B.meta) + ')' : ''), B.text,
          ps);
        $('compare').scrollIntoView();
      }).catch(function (e) { $('stories-summary').textContent = e.message; });
  }

  // ---- Wiring ------------------------------------------------------------------------------

  function tab(which) {
    $('tab-check').classList.toggle('on', which === 'check');
    $('tab-stories').classList.toggle('on', which === 'stories');
    $('check').hidden = which !== 'check';
    $('stories').hidden = which !== 'stories';
    $('compare').hidden = true;
    health();
    if (which === 'stories') loadStories();
    else if (last && last.answer.sources.length) showSource(0);
  }

  function health() {
    api('GET', '/api/health').then(function (h) {
      $('store').textContent = h.documents + (h.documents === 1 ? ' document, ' : ' documents, ') +
        h.passages + (h.passages === 1 ? ' passage' : ' passages') + ' stored';
    }).catch(function (e) { $('store').textContent = e.message; });
  }

  $('find').addEventListener('click', find);
  $('file').addEventListener('change', function () {
    var f = this.files[0];
    if (!f) return;
    f.text().then(function (t) { $('text').value = t; find(); });
  });
  $('tab-check').addEventListener('click', function () { tab('check'); });
  $('tab-stories').addEventListener('click', function () { tab('stories'); });
  $('prev').addEventListener('click', function () {
    storyOffset = Math.max(0, storyOffset - storyLimit); loadStories();
  });
  $('next').addEventListener('click', function () { storyOffset += storyLimit; loadStories(); });
  $('token-save').addEventListener('click', function () {
    token = $('token').value.trim();
    sessionStorage.setItem('ibid-token', token);
    $('auth').hidden = true;
    health();
  });
  health();
}());
