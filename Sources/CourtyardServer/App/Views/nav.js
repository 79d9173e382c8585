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
