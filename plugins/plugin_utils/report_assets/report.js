/* The audit report page's script, inlined into NAME.html when it is written (the page loads nothing).
 *
 * The detail rows are drawn from the JSON in #report-data when a tenant group opens:
 *   tenants   the tenant names, in the overview's order (group i is details#t<i>)
 *   controls  {id: name}
 *   strings   each text once; rows refer to them by index
 *   rows      per tenant, [room, id, status (0 fail, 1 error, 2 pass), observed, expected, detail,
 *             first_seen, fix]
 *   budget    how many rows the page renders by itself when a filter matches many tenants
 * The filters can be preset from the address: audit.html#tenant=contoso&status=fail (also control=, by id
 * or name, and q=); the matching tenant groups open. "Back to the overview" scrolls up without touching
 * the address, so the filters stay as they are.
 */
(function () {
  'use strict';
  var ST = ['fail', 'error', 'pass'], KEYS = ['tenant', 'status', 'control', 'q'];
  var D = null, groups, hay = null, timer = null, ticking = false;

  function data() {
    if (!D) { D = JSON.parse(document.getElementById('report-data').textContent); }
    return D;
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c];
    });
  }
  function field(k) { return document.getElementById(k); }
  function filters() {
    var f = {};
    KEYS.forEach(function (k) { f[k] = field(k).value; });
    f.q = f.q.trim().toLowerCase();
    return f;
  }
  function active(f) { return !!(f.tenant || f.status || f.control || f.q); }
  function name(id) { return data().controls[id] || id; }

  function haystack(i, j) {
    var d = data(), s = d.strings;
    if (!hay) { hay = d.rows.map(function () { return null; }); }
    if (!hay[i]) {
      hay[i] = d.rows[i].map(function (r) {
        return [d.tenants[i], s[r[0]], s[r[1]], name(s[r[1]]), s[r[3]], s[r[4]], s[r[5]], s[r[7]]]
          .join('\n').toLowerCase();
      });
    }
    return hay[i][j];
  }
  function match(i, j, r, f) {
    var s = data().strings;
    if (f.status && ST[r[2]] !== f.status) { return false; }
    if (f.control && s[r[1]] !== f.control) { return false; }
    return !f.q || haystack(i, j).indexOf(f.q) >= 0;
  }
  function fresh(fs) {
    if (!fs) { return ''; }
    if (data().previous && fs === D.generated) { return 'new'; }
    return fs.slice(0, 10);
  }

  function row(r) {
    var s = data().strings;
    return '<tr><td>' + esc(s[r[0]] || 'tenant') + '</td><th scope="row">' + esc(name(s[r[1]])) +
      '</th><td class="st ' + ST[r[2]] + '">' + ST[r[2]] + '</td><td class="fs">' + esc(fresh(s[r[6]])) +
      '</td><td><code>' + esc(s[r[3]]) + '</code></td><td><code>' + esc(s[r[4]]) + '</code></td><td>' +
      esc(s[r[5]]) + '</td><td class="fix">' + esc(s[r[7]]) + '</td></tr>';
  }
  function render(i, f) {
    var g = groups[i], d = data(), act = active(f), out = [], n = 0;
    d.rows[i].forEach(function (r, j) {
      if (act && !match(i, j, r, f)) { return; }
      n++;
      out.push(row(r));
    });
    g.querySelector('.rows').innerHTML = '<p class="back noprint"><a class="to-row" href="#overview" data-group="' +
      g.id + '">&uarr; Back to the overview</a> (the filters stay)</p><table><caption>' + esc(d.tenants[i]) +
      ': ' + n + ' control(s)' + (act ? ' matching the filters' : '') + '</caption><thead><tr>' +
      '<th scope="col">Room</th><th scope="col">Control</th><th scope="col">Status</th>' +
      '<th scope="col">First seen</th><th scope="col">Observed</th><th scope="col">Expected</th>' +
      '<th scope="col">Detail</th><th scope="col">Fix</th></tr></thead><tbody>' + out.join('') + '</tbody></table>';
    g.dataset.key = JSON.stringify(f);
    return n;
  }
  function count(i, f) {
    var n = 0;
    data().rows[i].forEach(function (r, j) { if (match(i, j, r, f)) { n++; } });
    return n;
  }
  function note(g, text) { g.querySelector('.m').textContent = text; }

  function remember() {
    var p = new URLSearchParams();
    KEYS.forEach(function (k) { var v = field(k).value; if (v) { p.set(k, v); } });
    try {
      history.replaceState(null, '', p.toString() ? '#' + p.toString() : location.pathname);
    } catch (e) { /* a file: page may refuse; the filters still apply */ }
  }
  function apply(keep) {
    var f = filters(), act = active(f), shown = 0, opened = 0, rows = 0, i, g, n, budget = data().budget;
    for (i = 0; i < groups.length; i++) {
      g = groups[i];
      if (!act) {
        if (g.hidden || g.dataset.key) { g.hidden = false; g.open = false; g.dataset.key = ''; note(g, ''); }
        continue;
      }
      n = (f.tenant && f.tenant !== data().tenants[i]) ? 0 : count(i, f);
      g.hidden = !n;
      note(g, n ? n + ' matching' : '');
      if (!n) { g.open = false; continue; }
      shown++;
      if (opened === 0 || rows + n <= budget) { render(i, f); g.open = true; opened++; rows += n; }
      else { g.open = false; g.dataset.key = ''; }
    }
    field('matches').textContent = act ? (shown + ' tenant(s) match' + (opened < shown ? '; the first ' + opened +
      ' are open, open the others to see their rows' : '') + '.') : '';
    if (keep) { remember(); }
  }

  function reveal(id) {
    var g = document.getElementById(id), f;
    if (!g) { return; }
    if (g.hidden) { KEYS.forEach(function (k) { field(k).value = ''; }); apply(false); }
    f = filters();
    if (g.dataset.key !== JSON.stringify(f)) { render(groups.indexOf(g), f); }
    g.open = true;
    g.scrollIntoView();
    g.querySelector('summary').focus();
  }
  // Back up to the overview, to the tenant's row when one is named; the address (the filters) is left alone.
  function back(id) {
    var target = id && document.getElementById('m-' + id), link;
    document.getElementById('overview').scrollIntoView();
    if (target) {
      target.scrollIntoView({block: 'center'});
      link = target.querySelector('a');
      if (link) { link.focus({preventScroll: true}); }
    } else {
      document.getElementById('matrix-region').focus({preventScroll: true});
    }
    floater();
  }
  function floater() {
    field('to-overview').hidden = document.getElementById('overview').getBoundingClientRect().bottom > 0;
  }
  function control(value) {
    // an id, or the name of a control (addresses written before controls had ids)
    var options = Array.prototype.slice.call(field('control').options);
    var found = options.filter(function (o) { return o.value === value || o.textContent === value; })[0];
    return found ? found.value : '';
  }
  function fromHash() {
    var h = location.hash.slice(1), p;
    if (/^t\d+$/.test(h)) { reveal(h); return; }
    p = new URLSearchParams(h);
    KEYS.forEach(function (k) { field(k).value = p.get(k) || ''; });
    field('control').value = control(p.get('control') || '');
    apply(false);
    if (active(filters())) { document.getElementById('details').scrollIntoView(); }
  }

  function clicked(e) {
    var a = e.target.closest && e.target.closest('a');
    if (!a) { return; }
    if (a.classList.contains('to-row') || a.id === 'to-overview') {
      e.preventDefault();
      back(a.dataset.group);
    } else if (/^#t\d+$/.test(a.getAttribute('href') || '')) {
      e.preventDefault();
      reveal(a.getAttribute('href').slice(1));
    }
  }
  function printing() {
    var f = filters();
    groups.forEach(function (g, i) {
      if (!g.hidden) { if (g.dataset.key !== JSON.stringify(f)) { render(i, f); } g.open = true; }
    });
    document.querySelectorAll('details.drift').forEach(function (d) { d.open = true; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    groups = Array.prototype.slice.call(document.querySelectorAll('details.tenant'));
    document.addEventListener('toggle', function (e) {
      var g = e.target;
      if (g.classList && g.classList.contains('tenant') && g.open && g.dataset.key !== JSON.stringify(filters())) {
        render(groups.indexOf(g), filters());
      }
    }, true);
    ['tenant', 'status', 'control'].forEach(function (k) {
      field(k).addEventListener('change', function () { apply(true); });
    });
    field('q').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { apply(true); }, 200);
    });
    field('clear').addEventListener('click', function () {
      KEYS.forEach(function (k) { field(k).value = ''; });
      apply(true);
    });
    document.addEventListener('click', clicked);
    window.addEventListener('hashchange', fromHash);
    window.addEventListener('beforeprint', printing);
    window.addEventListener('scroll', function () {
      if (!ticking) { ticking = true; requestAnimationFrame(function () { ticking = false; floater(); }); }
    }, {passive: true});
    if (location.hash.length > 1) { fromHash(); }
    floater();
    document.documentElement.setAttribute('data-ready', '1');
    if (window.performance && performance.mark) {
      performance.mark('report-ready');
      requestAnimationFrame(function () { requestAnimationFrame(function () { performance.mark('report-painted'); }); });
    }
  });
}());
