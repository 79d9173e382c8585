// The steward's contact form: entries wait on the phone (localStorage) until the server has them. Each entry
// carries a client_id made here, so an entry sent twice (a lost answer, a retry) is stored once.
(function () {
  var form = document.getElementById('contact-form');
  if (!form || !window.fetch || !window.localStorage || !window.JSON) return;
  var KEY = 'courtyard.contactQueue';
  var statusLine = document.getElementById('queue-status');
  var busy = false;
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (e) { return []; } }
  function store(q) { localStorage.setItem(KEY, JSON.stringify(q)); }
  function say(text) { statusLine.textContent = text; statusLine.hidden = !text; }
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
    }).then(function (r) { return r.status; });
  }
  function flush() {
    if (busy || navigator.onLine === false) return;
    var q = load();
    if (!q.length) return;
    busy = true;
    send(q[0]).then(function (status) {
      busy = false;
      if (status === 200 || status === 201) {
        store(load().slice(1)); say(form.dataset.sent); flush();
      } else if (status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429) {
        // The server will never take this one (a wrong field): drop it and say so.
        store(load().slice(1)); say(form.dataset.refused); flush();
      } else { showQueue(); }
    }, function () { busy = false; showQueue(); });
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var body = {
      channel: data.get('channel'), date: data.get('date'), outcome: data.get('outcome'),
      note: data.get('note') || '', client_id: newId()
    };
    if (data.get('campaign_id')) body.campaign_id = Number(data.get('campaign_id'));
    if (data.get('follow_up_on')) body.follow_up_on = data.get('follow_up_on');
    var q = load();
    q.push({ household: data.get('household_id'), body: body });
    store(q);
    form.querySelector('textarea[name=note]').value = '';
    showQueue();
    flush();
  });
  window.addEventListener('online', flush);
  showQueue();
  flush();
})();
