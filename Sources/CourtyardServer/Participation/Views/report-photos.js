// Photos made smaller in the browser before they are sent: each chosen photo is drawn
// upright (its EXIF orientation applied, since the server removes the EXIF block with the place it was taken) on a
// canvas whose long side is at most 1600 px, and sent as a JPEG at quality 0.85 in place of the original. Without
// this script, or in a browser that cannot do it, the photos go as chosen and the server checks them.
(function () {
// Every photo field of the page that asks for it (data-resize): the public report form's, and the staff's camera
// fields (a site log, an inspection item, a department's done step, an event). Each is set up once, even when the
// script is on the page twice.
function setUp(input) {
  if (!input.form || input.dataset.resizeBound) return;
  input.dataset.resizeBound = '1';
  // In any browser, even one that cannot make photos smaller: photos past what the form may carry are said at
  // once and not sent. A browser that can shrink them checks again after shrinking.
  var LIMIT = Number(input.dataset.limit) || 9500000;
  // Where progress is said: the field's own line, or one made under a staff photo field that has none.
  var statusLine = document.getElementById(input.dataset.status || '');
  if (!statusLine) {
    statusLine = document.createElement('small');
    statusLine.className = 'muted';
    statusLine.setAttribute('role', 'status');
    statusLine.hidden = true;
    input.insertAdjacentElement('afterend', statusLine);
  }
  function checkSize(files) {
    var bytes = 0;
    for (var i = 0; i < files.length; i++) bytes += files[i].size;
    var tooBig = bytes > LIMIT;
    var words = tooBig ? (input.dataset.tooBig || '').replace('{kb}', Math.round(bytes / 1024)) : '';
    input.setCustomValidity(words);
    if (tooBig) { statusLine.textContent = words; statusLine.hidden = false; }
    return tooBig;
  }
  function sizeOnly() { input.addEventListener('change', function () { checkSize(input.files || []); }); }
  if (!window.createImageBitmap || !window.DataTransfer || !window.File) { sizeOnly(); return; }
  var canvasWorks = !!(document.createElement('canvas').getContext && HTMLCanvasElement.prototype.toBlob);
  if (!canvasWorks) { sizeOnly(); return; }
  try { new DataTransfer().items.add(new File([''], 'x.jpg', { type: 'image/jpeg' })); } catch (e) { sizeOnly(); return; }
  var LONGEST = Number(input.dataset.resize) || 1600;
  var MOST = Number(input.dataset.most) || 3;
  var QUALITY = 0.85;
  var button = input.form.querySelector('button[type=submit]');
  function say(text) { statusLine.textContent = text; statusLine.hidden = !text; }

  // Upright: 'from-image' applies the EXIF orientation (it is also what browsers do by default today); an older
  // browser that does not know the option is asked again without it.
  function bitmap(file) {
    return createImageBitmap(file, { imageOrientation: 'from-image' }).catch(function () {
      return createImageBitmap(file);
    });
  }

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
    return bitmap(file).then(function (picture) {
      var scale = Math.min(1, LONGEST / Math.max(picture.width, picture.height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(picture.width * scale));
      canvas.height = Math.max(1, Math.round(picture.height * scale));
      var g = canvas.getContext('2d');
      g.fillStyle = '#fff';  // a PNG's transparent parts become white, not black, in a JPEG
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.imageSmoothingQuality = 'high';
      g.drawImage(picture, 0, 0, canvas.width, canvas.height);
      if (picture.close) picture.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          var name = (file.name || 'photo').replace(/\.[^.]*$/, '') + '.jpg';
          resolve(new File([blob], name, { type: 'image/jpeg', lastModified: Date.now() }));
        }, 'image/jpeg', QUALITY);
      });
    }).catch(function () { return file; });  // unreadable here: the server says why
  }

  input.addEventListener('change', function () {
    var chosen = Array.prototype.slice.call(input.files || []);
    input.setCustomValidity(chosen.length > MOST ? input.dataset.tooMany || '' : '');
    if (!chosen.length || chosen.length > MOST) { say(''); return; }
    if (button) button.disabled = true;
    say(input.dataset.working || '');
    Promise.all(chosen.map(shrink)).then(function (smaller) {
      var list = new DataTransfer();
      smaller.forEach(function (f) { list.items.add(f); });
      input.files = list.files;
      var bytes = smaller.reduce(function (n, f) { return n + f.size; }, 0);
      var kb = Math.round(bytes / 1024);
      var shrunk = smaller.filter(function (f, i) { return f !== chosen[i]; }).length;
      // More than the form may carry (photos this browser could not make smaller): said now, and not sent.
      var tooBig = bytes > (Number(input.dataset.limit) || 9500000);
      input.setCustomValidity(tooBig ? (input.dataset.tooBig || '').replace('{kb}', kb) : '');
      var words = tooBig ? input.dataset.tooBig : shrunk ? input.dataset.ready : input.dataset.kept;
      say((words || '').replace('{n}', smaller.length).replace('{kb}', kb));
    }).then(function () { if (button) button.disabled = false; }, function () {
      if (button) button.disabled = false;
      say('');
    });
  });
}
var inputs = document.querySelectorAll('input[type=file][data-resize]');
for (var k = 0; k < inputs.length; k++) setUp(inputs[k]);
})();

// A step that needs a note (a fix, turning a report down, reopening it) makes the note required while it is
// chosen, so the browser asks for the note before sending and the photos chosen with it are not lost to a refusal.
(function () {
  var selects = document.querySelectorAll('select[name="to"]');
  for (var i = 0; i < selects.length; i++) {
    (function (select) {
      var note = select.form && select.form.querySelector('textarea[name="note"]');
      if (!note) return;
      function sync() {
        var chosen = select.options[select.selectedIndex];
        note.required = !!(chosen && chosen.getAttribute('data-needs-note'));
      }
      select.addEventListener('change', sync);
      sync();
    })(selects[i]);
  }
})();

// Files chosen in a form that is then refused are put back: no browser fills a file field again by itself, and
// taking a photo twice on a building site or a stairwell is what people give up on. Before a form with chosen
// files is sent, they are kept in this browser (IndexedDB, never on the server); when the page that comes back says
// they were not kept (the refusal's 所选的照片或文件没有保存), they are put back into the form's fields and the
// words say so. They are forgotten on any other page, after 30 minutes, and on signing out.
(function () {
  if (!window.indexedDB || !window.DataTransfer || !window.URL) return;
  var STORE = 'files', KEEP_MS = 30 * 60 * 1000;
  function open(then) {
    var req;
    try { req = indexedDB.open('courtyard-forms', 1); } catch (e) { then(null); return; }
    req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
    req.onsuccess = function () { then(req.result); };
    req.onerror = function () { then(null); };
  }
  function keyOf(form) { return new URL(form.getAttribute('action') || '', location.href).pathname; }
  function fileInputs(form) { return Array.prototype.slice.call(form.querySelectorAll('input[type=file]')); }

  function keep(form, then) {
    var fields = fileInputs(form).filter(function (i) { return i.name && i.files && i.files.length; })
      .map(function (i) { return { name: i.name, files: Array.prototype.slice.call(i.files) }; });
    if (!fields.length) { then(); return; }
    var done = false;
    function go() { if (!done) { done = true; then(); } }
    setTimeout(go, 1500);  // a browser whose storage does not answer still sends the form
    open(function (db) {
      if (!db) { go(); return; }
      try {
        var tx = db.transaction(STORE, 'readwrite');
        tx.objectStore(STORE).put({ saved: Date.now(), fields: fields }, keyOf(form));
        tx.oncomplete = go; tx.onerror = go; tx.onabort = go;
      } catch (e) { go(); }
    });
  }

  var body = document.body;
  var againWords = body && body.getAttribute('data-files-again');
  var restoredWords = body && body.getAttribute('data-files-restored');
  // The public report form says it beside its photo field, in words of its own.
  var photosAgainWords = body && body.getAttribute('data-photos-again');
  var forms = Array.prototype.slice.call(document.querySelectorAll('form[enctype="multipart/form-data"]'))
    .filter(function (f) { return fileInputs(f).length; });
  forms.forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (form.dataset.filesKept === '1' || ev.defaultPrevented) return;
      if (!fileInputs(form).some(function (i) { return i.files && i.files.length; })) return;
      ev.preventDefault();
      var submitter = ev.submitter;
      keep(form, function () {
        form.dataset.filesKept = '1';
        if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
        form.dataset.filesKept = '';
      });
    });
  });
  var logout = document.querySelector('form[action="/logout"]');
  if (logout) logout.addEventListener('submit', function () { try { indexedDB.deleteDatabase('courtyard-forms'); } catch (e) {} });

  // Says that the files are back, in place of the refusal's line that they must be chosen again.
  function sayRestored() {
    if (!restoredWords) return;
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      [againWords, photosAgainWords].forEach(function (words) {
        if (words && n.nodeValue.indexOf(words) >= 0) n.nodeValue = n.nodeValue.split(words).join(restoredWords);
      });
    }
  }
  // The words said about a field (its aria-describedby), to tell "choose them again" from a refusal of the file.
  function saidAbout(input) {
    var ids = (input.getAttribute('aria-describedby') || '').split(/\s+/);
    return ids.map(function (id) { var e = id && document.getElementById(id); return e ? e.textContent : ''; }).join(' ');
  }
  function putBack(form, entry) {
    var all = true;
    entry.fields.forEach(function (field) {
      var input = fileInputs(form).filter(function (i) { return i.name === field.name; })[0];
      // A file the refusal was about (its field marked, or its name quoted) is left for another to be chosen.
      var named = field.files.some(function (f) { return document.body.textContent.indexOf('“' + f.name + '”') >= 0; });
      var refusedFile = input && input.getAttribute('aria-invalid') === 'true' &&
        !(photosAgainWords && saidAbout(input).indexOf(photosAgainWords) >= 0);
      if (!input || (input.files && input.files.length) || refusedFile || named) {
        all = false;
        return;
      }
      var list = new DataTransfer();
      field.files.forEach(function (f) { list.items.add(f); });
      input.files = list.files;
      input.removeAttribute('aria-invalid');
      var line = document.getElementById(input.dataset.status || '') || input.nextElementSibling;
      if (line && line.getAttribute('role') === 'status' && input.dataset.kept) {
        var kb = Math.round(field.files.reduce(function (s, f) { return s + f.size; }, 0) / 1024);
        line.textContent = input.dataset.kept.replace('{n}', field.files.length).replace('{kb}', kb);
        line.hidden = false;
      }
    });
    return all;
  }
  open(function (db) {
    if (!db) return;
    var text = document.body.textContent;
    var refused = [againWords, photosAgainWords].some(function (w) { return w && text.indexOf(w) >= 0; });
    var tx = db.transaction(STORE, 'readwrite'), store = tx.objectStore(STORE);
    var req = store.openCursor();
    req.onsuccess = function () {
      var cursor = req.result;
      if (!cursor) return;
      var entry = cursor.value, here = cursor.key === location.pathname;
      var form = forms.filter(function (f) { return keyOf(f) === cursor.key; })[0];
      if (refused && here && form && Date.now() - entry.saved < KEEP_MS) {
        if (putBack(form, entry)) sayRestored();
      } else {
        cursor.delete();
      }
      cursor.continue();
    };
  });
})();
