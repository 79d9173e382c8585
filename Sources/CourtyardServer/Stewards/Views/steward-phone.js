// The steward's contact form: entries wait on the phone (localStorage) until the server has them. Each entry
// carries a client_id made here, so an entry sent twice (a lost answer, a retry) is stored once. What happened is
// said beside the save button, where the steward is looking; an entry the server refuses comes back into the form
// with the server's words, so nothing typed is lost.
(function () {
  var form = document.getElementById('contact-form');
  if (!form || !window.fetch || !window.localStorage || !window.JSON) return;
  var KEY = 'courtyard.contactQueue';
  var lines = [document.getElementById('queue-status'), document.getElementById('contact-status')];
  var busy = false;
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (e) { return []; } }
  function store(q) { localStorage.setItem(KEY, JSON.stringify(q)); }
  function say(text, bad) {
    lines.forEach(function (line) {
      if (!line) return;
      line.textContent = text; line.hidden = !text;
      line.className = 'note' + (text ? (bad ? ' bad' : ' ok') : '');
    });
  }
  function showQueue() { var n = load().length; say(n ? form.dataset.queued.replace('{n}', n) : ''); }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }
  function send(entry) {
    return fetch('/api/v1/households/' + encodeURIComponent(entry.household) + '/contacts', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': form.dataset.csrf },
      body: JSON.stringify(entry.body)
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, json: j }; },
        function () { return { status: r.status, json: null }; });
    });
  }
  function field(name) { return form.querySelector('[name=' + name + ']'); }
  // The household's square in the grid says the entry the server now has: its day and outcome, as a reload would.
  function marked(entry) {
    if (!entry) return;
    var cell = document.querySelector('a.hh[data-household="' + entry.household + '"] small.last-contact');
    var outcome = field('outcome');
    var option = outcome && outcome.querySelector('option[value="' + entry.body.outcome + '"]');
    if (cell) cell.textContent = entry.body.date + (option ? ' ' + option.textContent : '');
  }
  // Saved twice in a moment (a double tap: the second finds the note already cleared) is one entry: the same
  // household, day, way and outcome within 5 seconds.
  var last = null;
  function again(household, body) {
    var same = JSON.stringify([household, body.channel, body.date, body.outcome]);
    var now = Date.now();
    var repeated = last && last.same === same && now - last.at < 5000;
    last = { same: same, at: now };
    return repeated;
  }
  // Entries the server refused wait under their own key, with why, until the steward saves them again: one is
  // put back into the form only while the form holds nothing typed, so nothing typed is overwritten.
  var REFUSED = 'courtyard.contactRefused';
  var restored = null;
  function loadRefused() { try { return JSON.parse(localStorage.getItem(REFUSED) || '[]'); } catch (e) { return []; } }
  function storeRefused(list) { localStorage.setItem(REFUSED, JSON.stringify(list)); }
  function untouched() { var n = field('note'); return !restored && (!n || !n.value); }
  function restoreNext() {
    var list = loadRefused();
    if (!list.length || !untouched()) return;
    var entry = list[0];
    var b = entry.body;
    // The page was opened for another home (its square tapped): that home stays in the form, and the refused
    // entry waits, named, for its own home, so no note is saved against the wrong door.
    var chosen = field('household_id').value;
    if (chosen && chosen !== String(entry.household)) {
      var home = field('household_id').querySelector('option[value="' + entry.household + '"]');
      say((form.dataset.refusedElsewhere || '').replace('{room}', home ? home.textContent : ''), true);
      return;
    }
    var values = { household_id: entry.household, channel: b.channel, date: b.date, outcome: b.outcome,
      note: b.note, follow_up_on: b.follow_up_on || '', campaign_id: b.campaign_id ? String(b.campaign_id) : '' };
    Object.keys(values).forEach(function (name) {
      var el = field(name);
      if (el && values[name] !== undefined) el.value = values[name];
    });
    restored = b.client_id;
    // Which field the server named, by its label (日期 or 下次跟进日期), marked, and the cursor put in it.
    var el = entry.field && field(entry.field);
    var label = el && el.closest('label');
    var named = label && label.firstChild && label.firstChild.nodeType === 3 ? label.firstChild.textContent.trim() : '';
    // 请修改后再保存：日期不能晚于今天。 — the label only where the words do not already begin with it.
    var why = entry.why || '';
    if (named && why.indexOf(named) !== 0) why = named + '：' + why;
    var lead = form.dataset.refused || '';
    say(lead + (why && !/[：:]$/.test(lead) ? ' ' : '') + why, true);
    if (el) el.setAttribute('aria-invalid', 'true');
    discard.hidden = false;
    (el || form.querySelector('button[type=submit]')).focus();
  }
  // An entry the steward decides not to keep (written for a visit that did not happen) is dropped here; otherwise it
  // comes back into the form at every visit to the page.
  var discard = document.createElement('button');
  discard.type = 'button';
  discard.className = 'secondary';
  discard.textContent = form.dataset.discard || '';
  discard.hidden = true;
  form.querySelector('button[type=submit]').insertAdjacentElement('afterend', discard);
  // The refused entry the form held leaves the refused list (dropped, or sent again as a new entry), and its marks go.
  function letGo() {
    var was = restored;
    storeRefused(loadRefused().filter(function (e) { return e.body.client_id !== was; }));
    restored = null;
    discard.hidden = true;
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (e) {
      e.removeAttribute('aria-invalid');
    });
  }
  discard.addEventListener('click', function () {
    letGo();
    // Every field back to what the page gave it (the home it was opened for, today), none of the dropped entry's.
    form.reset();
    say(form.dataset.discarded || '');
    restoreNext();
  });
  function flush() {
    if (busy || navigator.onLine === false) return;
    var q = load();
    if (!q.length) return;
    busy = true;
    send(q[0]).then(function (answer) {
      busy = false;
      var status = answer.status;
      var error = answer.json && answer.json.error;
      if (status === 200 || status === 201) {
        var done = load()[0];
        store(load().slice(1)); say(form.dataset.sent); marked(done); flush();
      } else if (status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429) {
        // The server will never take this one as it is: kept with why, and back into the form when it is free.
        // Sent again corrected, even at once, it is not a double tap of this one.
        last = null;
        var entry = load()[0];
        store(load().slice(1));
        var list = loadRefused();
        list.push({ household: entry.household, body: entry.body, why: error && error.message,
          field: error && error.field });
        storeRefused(list);
        restoreNext();
        flush();
      } else if (status === 401 || status === 403) {
        // Online, but signed out (the session ended): the entries wait here, and the steward is told to sign in,
        // not to wait for a network that is already there.
        var n = load().length;
        say((form.dataset.signedOut || '').replace('{n}', n), true);
      } else { showQueue(); }
    }, function () { busy = false; showQueue(); });
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new FormData(form);
    // Without a household there is nowhere to send it: said here, where the steward looks, and nothing queued.
    if (!data.get('household_id')) {
      say(form.dataset.pick, true);
      field('household_id').focus();
      return;
    }
    // Nor without how it went (a form whose check the browser skipped): said in the form's words, nothing queued.
    if (!data.get('outcome')) {
      say(form.dataset.outcomeNeeded, true);
      field('outcome').setAttribute('aria-invalid', 'true');
      field('outcome').focus();
      return;
    }
    var body = {
      channel: data.get('channel'), date: data.get('date'), outcome: data.get('outcome'),
      note: data.get('note') || '', client_id: newId()
    };
    if (data.get('campaign_id')) body.campaign_id = Number(data.get('campaign_id'));
    if (data.get('follow_up_on')) body.follow_up_on = data.get('follow_up_on');
    // A repeat is dropped and what the first said stays on the line.
    if (again(data.get('household_id'), body)) return;
    var q = load();
    q.push({ household: data.get('household_id'), body: body });
    store(q);
    // The refused entry the form held is now sent again as this one.
    if (restored) letGo();
    form.querySelector('textarea[name=note]').value = '';
    field('outcome').value = '';
    var later = field('follow_up_on');
    if (later) later.value = '';
    showQueue();
    flush();
    restoreNext();
  });
  window.addEventListener('online', flush);
  showQueue();
  restoreNext();
  flush();
})();
