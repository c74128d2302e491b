/// The dashboard's stylesheet and script: served from the binary, nothing fetched from
/// elsewhere, no build step. The Content-Security-Policy allows only these.
enum Assets {
    static let css = """
        :root { --fg:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f6f7f9; --card:#fff; --accent:#2457c5; --bad:#b3261e; --good:#1e7b34; }
        * { box-sizing: border-box; }
        body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
        header { display:flex; flex-wrap:wrap; align-items:center; gap:.4rem 1rem; padding:.6rem 1rem; background:#1d2330; color:#fff; }
        header a { color:#cfd8ea; text-decoration:none; padding:.2rem .4rem; border-radius:4px; }
        header a.on { background:#34405a; color:#fff; }
        header nav { display:flex; flex-wrap:wrap; gap:.2rem; flex:1; }
        .brand { font-weight:700; letter-spacing:.02em; }
        #live { font-size:.8rem; color:#f0b4b4; }
        #live.up { color:#9be3ad; }
        main { max-width:1100px; margin:0 auto; padding:1rem; }
        h1 { font-size:1.35rem; margin:.2rem 0 1rem; }
        h2 { font-size:1.1rem; margin:1.4rem 0 .5rem; }
        .scroll { overflow-x:auto; background:var(--card); border:1px solid var(--line); border-radius:6px; }
        table { border-collapse:collapse; width:100%; }
        th, td { text-align:left; padding:.45rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
        th { font-size:.8rem; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); white-space:nowrap; }
        td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
        tr:last-child td { border-bottom:0; }
        a { color:var(--accent); }
        form.inline { display:inline; margin:0; }
        form.card, .card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:.8rem; margin:.6rem 0; }
        label { display:block; margin:.4rem 0 .15rem; font-size:.85rem; color:var(--muted); }
        input[type=text], input[type=search], select, textarea { width:100%; padding:.45rem; border:1px solid var(--line); border-radius:4px; font:inherit; background:#fff; }
        textarea { min-height:5rem; }
        button { font:inherit; padding:.3rem .7rem; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:4px; cursor:pointer; }
        button.quiet { background:#fff; color:var(--accent); }
        button.danger { background:#fff; color:var(--bad); border-color:var(--bad); }
        button.link { background:none; border:0; color:#cfd8ea; padding:0; text-decoration:underline; }
        .row { display:flex; flex-wrap:wrap; gap:.6rem; }
        .row > * { flex:1 1 12rem; }
        .notice { background:#e8f3ea; border:1px solid #b9dcc1; padding:.5rem .7rem; border-radius:4px; }
        .error { background:#fbe9e7; border:1px solid #f0b9b3; padding:.5rem .7rem; border-radius:4px; }
        .state-sent, .state-done, .on-yes { color:var(--good); font-weight:600; }
        .state-failed { color:var(--bad); font-weight:600; }
        .state-pending, .state-sending, .state-running { color:#8a6d00; font-weight:600; }
        .muted, .empty { color:var(--muted); }
        pre { white-space:pre-wrap; word-break:break-word; background:var(--card); border:1px solid var(--line); padding:.6rem; border-radius:6px; max-height:32rem; overflow:auto; }
        .msg { border-left:3px solid var(--line); padding:.2rem .6rem; margin:.5rem 0; background:var(--card); }
        .msg.user { border-color:var(--accent); } .msg.assistant { border-color:var(--good); } .msg.tool { border-color:#8a6d00; }
        .msg .role { font-size:.75rem; text-transform:uppercase; color:var(--muted); }
        ul.tree { list-style:none; padding-left:1rem; border-left:1px dashed var(--line); }
        footer { max-width:1100px; margin:0 auto; padding:0 1rem 2rem; color:var(--muted); font-size:.85rem; }
        @media (max-width: 600px) { main { padding:.6rem; } th, td { padding:.35rem .4rem; } body { font-size:14px; } }
        """

    static let js = """
        // Live updates: the server pushes an event after every committed turn, job run and
        // delivery; a page whose <main data-live> names that kind fetches itself again and
        // swaps its main part, unless the person is typing in one of its forms.
        (function () {
          var main = document.querySelector('main');
          var kinds = (main && main.dataset.live || '').split(' ').filter(Boolean);
          var live = document.getElementById('live');
          var activity = document.getElementById('activity');
          var busy = false, again = false;
          // A form the person has typed into is never swapped away, focused or not.
          var dirty = false;
          main.addEventListener('input', function () { dirty = true; });
          main.addEventListener('change', function () { dirty = true; });
          function editing() {
            var a = document.activeElement;
            return dirty || (a && main.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.type !== 'hidden');
          }
          function refresh() {
            if (busy) { again = true; return; }
            if (editing()) { again = true; return; }
            busy = true;
            fetch(location.href, { credentials: 'same-origin', headers: { 'X-Herald-Refresh': '1' } })
              .then(function (r) { return r.ok ? r.text() : null; })
              .then(function (html) {
                if (!html) return;
                var doc = new DOMParser().parseFromString(html, 'text/html');
                var fresh = doc.querySelector('main');
                if (fresh) { main.innerHTML = fresh.innerHTML; main.dataset.refreshed = String(Number(main.dataset.refreshed || 0) + 1); }
              })
              .catch(function () {})
              .then(function () { busy = false; if (again) { again = false; setTimeout(refresh, 300); } });
          }
          document.addEventListener('focusout', function () { if (again) { again = false; setTimeout(refresh, 300); } });
          if (window.EventSource) {
            var source = new EventSource('/events');
            // Whatever happened between this page's render and the stream's (re)connection
            // came without an event: fetch the page once more as the stream opens.
            source.onopen = function () {
              live.textContent = 'live'; live.className = 'up'; document.body.dataset.live = 'up';
              if (kinds.length) refresh();
            };
            source.onerror = function () { live.textContent = 'reconnecting'; live.className = ''; document.body.dataset.live = 'down'; };
            ['message', 'turn', 'delivery', 'job', 'pairing', 'settings'].forEach(function (kind) {
              source.addEventListener(kind, function (e) {
                var line = document.createElement('div');
                try { line.textContent = JSON.parse(e.data).text; } catch (err) { line.textContent = kind; }
                activity.prepend(line);
                while (activity.childNodes.length > 5) activity.removeChild(activity.lastChild);
                if (kinds.indexOf(kind) >= 0) refresh();
              });
            });
          }
          document.addEventListener('submit', function (e) {
            var f = e.target;
            if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
          });
        })();
        """
}
