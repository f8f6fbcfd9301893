// side_by_side.js: one text with its shared passages highlighted, for two texts side by side;
// used by ibid report's page (src/html.c inlines it) and ibid serve's page (web/app.js).
// ibidMark(box, text, spans, other) fills `box` with `text`, each span [begin, end, number,
// class, title] (code points: the text is cut with Array.from, which splits by code point as the
// library counts) in a <mark data-p=number>; where spans overlap, the first listed wins. A click
// on a mark outlines it and the mark of the same number in the `other` box, scrolled into view.
// Built with textContent only, never HTML from data.
function ibidMark(box, text, spans, other) {
  var cps = Array.from(text), cut = [0, cps.length];
  spans.forEach(function (s) { cut.push(s[0], s[1]); });
  cut = cut.filter(function (v, i, a) { return a.indexOf(v) == i; })
    .sort(function (x, y) { return x - y; });
  box.textContent = '';
  for (var j = 0; j + 1 < cut.length; j++) {
    var b = cut[j], e = cut[j + 1], t = cps.slice(b, e).join(''), hit = null;
    spans.forEach(function (q) { if (!hit && q[0] <= b && q[1] >= e) hit = q; });
    if (!hit) { box.appendChild(document.createTextNode(t)); continue; }
    var m = document.createElement('mark');
    m.textContent = t;
    m.dataset.p = hit[2];
    m.className = hit[3];
    m.title = hit[4];
    m.onclick = function () {
      var o = other.querySelector('mark[data-p="' + this.dataset.p + '"]');
      document.querySelectorAll('mark.hot').forEach(function (x) { x.classList.remove('hot'); });
      this.classList.add('hot');
      if (o) { o.classList.add('hot'); o.scrollIntoView({block: 'center'}); }
    };
    box.appendChild(m);
  }
}
