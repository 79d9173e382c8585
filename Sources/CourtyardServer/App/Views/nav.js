// On a phone the navigation is one row that scrolls sideways. The tab of the page one is on keeps its place in the
// row, and the row is scrolled so that tab is in sight.
(function () {
  var current = document.querySelector("header nav a[aria-current]");
  if (!current) return;
  var nav = current.parentElement;
  if (nav.scrollWidth <= nav.clientWidth) return;
  var offset = current.getBoundingClientRect().left - nav.getBoundingClientRect().left;
  nav.scrollLeft += offset - (nav.clientWidth - current.offsetWidth) / 2;
})();

// A note such as "已保存" is said once: after a save the page is reached with ?saved=…, and the address keeps it
// without that part, so reloading or sharing the page does not say it again.
(function () {
  var once = ["saved", "ended", "opened", "closed", "voided", "took", "created", "deleted", "filed", "again", "reopened", "entered", "answered"];
  if (!window.history || !history.replaceState || !window.URL) return;
  var url = new URL(window.location.href);
  var changed = false;
  once.forEach(function (name) {
    if (url.searchParams.has(name)) { url.searchParams.delete(name); changed = true; }
  });
  if (changed) history.replaceState(history.state, "", url.pathname + url.search + url.hash);
})();
