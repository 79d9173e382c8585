"""The pages in a real browser: headless Chromium signs in as each demo account, opens its pages on a phone
(390 px, in standard and large type) and on a desktop (1,366 px), and checks what a person would meet:

- the page never scrolls sideways (on a phone a table that does not fit reads as cards or scrolls inside its own
  box; on a desktop in standard type it fits the page);
- no catalogue key, no unfilled template tag and no script error shows;
- the page says which language it is in, has a title and one main heading;
- on a phone, the tab of the page one is on is in sight in the navigation row;
- a note such as "已保存" is said once: the address loses ?saved=… so reloading does not say it again;
- a photo chosen in a form that is then refused is put back into the form, and saved with it once corrected;
- a browser set to larger text (24 px) shows the pages' text at that size;
- a steward's visit sent without its outcome is refused in the form's own words, nothing queued.

Usage: python3 .ci/browser.py BASE_URL   (a server started with `courtyard serve --demo`)
Needs Debian's chromium and chromium-driver, and PyPI's selenium.
"""

import re
import struct
import sys
import tempfile
import zlib
from urllib.parse import urlparse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = sys.argv[1].rstrip("/")
PASSWORD = "courtyard-demo"
# Each account, and how many of the pages it reaches from its own pages are opened beside its navigation.
ACCOUNTS = ["office", "community", "steward", "louzhang", "contractor", "water", "property", "viewer"]
DETAILS = re.compile(
    r"^/(projects|compounds|buildings|households|meetings|votes|reports|events|questionnaires|notices|zones|"
    r"communities|bulletins|property-selections)/\d+(/handover)?$"
)
PER_ACCOUNT = 16
# Pages no navigation lists, reached by a link inside another page (the volunteers' hours, from the events page and
# the steward's page).
LINKED = ["/volunteers"]
# Width, language, large type: a phone and a desktop, in Chinese first.
VIEWS = [(390, "zh-Hans", False), (390, "zh-Hans", True), (1366, "zh-Hans", False), (390, "en", False),
         (1366, "en", False), (1366, "en", True)]
KEY = re.compile(r"^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z0-9]*)+$")
FILES = re.compile(r"\.(xlsx|csv|ics|pdf|json|xml|rss|atom|jpg|png|js|css)$")

CHECK = r"""
const width = window.innerWidth;
const problems = [];
const doc = document.documentElement;
if (doc.scrollWidth > width + 1) {
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1) continue;
    let inside = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { inside = true; break; }
    }
    if (inside) continue;
    if ([...el.children].some(c => c.getBoundingClientRect().right > width + 1)) continue;
    const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\s+/).join('.') : '');
    wide.push(name + ' «' + (el.textContent || '').trim().slice(0, 30) + '» ' + Math.round(r.right) + 'px');
    if (wide.length >= 3) break;
  }
  problems.push('page is ' + doc.scrollWidth + ' px wide in ' + width + ' px: ' + wide.join('; '));
}
// On a desktop in standard type every table fits the page: its words wrap rather than it scrolling sideways.
if (width >= 1200 && !doc.classList.contains('large')) {
  for (const box of document.querySelectorAll('.table-wrap')) {
    if (box.scrollWidth > box.clientWidth + 1) {
      const head = box.querySelector('th');
      problems.push('table scrolls sideways (' + box.scrollWidth + ' px in ' + box.clientWidth + ' px), first column «'
        + (head ? head.textContent.trim() : '') + '»');
    }
  }
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const text = n.textContent.trim();
  if (!text) continue;
  if (n.parentElement && ['SCRIPT', 'STYLE', 'CODE', 'PRE'].includes(n.parentElement.tagName)) continue;
  if (/\{\{|\}\}/.test(text)) problems.push('template tag shown: ' + text.slice(0, 60));
  if (new RegExp(arguments[0]).test(text) && !new RegExp(arguments[1]).test(text))
    problems.push('catalogue key shown: ' + text);
}
if (!document.documentElement.lang) problems.push('no lang on <html>');
if (!document.title.trim()) problems.push('no title');
const h1 = document.querySelectorAll('h1').length;
if (h1 !== 1) problems.push(h1 + ' main headings');
const current = document.querySelector('header nav a[aria-current]');
if (current && width < 600) {
  const nav = current.parentElement.getBoundingClientRect();
  const tab = current.getBoundingClientRect();
  if (tab.left < nav.left - 1 || tab.right > nav.right + 1) problems.push('current tab out of sight in the row');
}
return problems;
"""


def driver(font_px=None):
    options = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"]:
        options.add_argument(arg)
    prefs = {"intl.accept_languages": "zh-CN,zh"}
    if font_px:
        prefs["webkit.webprefs.default_font_size"] = font_px
    options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))


def sign_in(d, account):
    d.delete_all_cookies()
    d.get(BASE + "/login")
    d.find_element(By.NAME, "username").send_keys(account)
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    try:
        WebDriverWait(d, 15).until(lambda d: urlparse(d.current_url).path != "/login" or d.find_elements(
            By.CSS_SELECTOR, "p.note"))
    except TimeoutException:
        pass
    if urlparse(d.current_url).path == "/login":
        said = " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, "p.note"))
        raise SystemExit(f"{account}: could not sign in: {said}")


def same_site(href):
    if not href:
        return None
    u = urlparse(href)
    if u.netloc and u.netloc != urlparse(BASE).netloc:
        return None
    if FILES.search(u.path) or u.path.startswith(("/static", "/api", "/logout", "/export")):
        return None
    return u.path + (("?" + u.query) if u.query else "")


def pages_of(d, account):
    """Its navigation, and the first of each kind of page those link to."""
    d.get(BASE + "/")
    nav = [same_site(a.get_attribute("href")) for a in d.find_elements(By.CSS_SELECTOR, "header nav a")]
    pages = [p for p in dict.fromkeys(["/"] + nav + LINKED) if p]
    kinds, details = set(), []
    for page in pages + details:  # the details found are read for more kinds in turn
        d.get(BASE + page)
        for a in d.find_elements(By.CSS_SELECTOR, "main a[href]"):
            path = same_site(a.get_attribute("href"))
            m = path and DETAILS.match(path.split("?")[0])
            if m and m.group(1) + (m.group(2) or "") not in kinds and len(details) < PER_ACCOUNT:
                kinds.add(m.group(1) + (m.group(2) or ""))
                details.append(path)
    return pages + details


def look(d, page, label):
    d.get(BASE + page)
    problems = d.execute_script(CHECK, KEY.pattern, FILES.pattern)
    errors = [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    # A page refused to this account (403) is the account's limit, not a fault of the page.
    errors = [e for e in errors if "403" not in e and "favicon" not in e]
    return [f"{label} {page}: {p}" for p in problems + errors]


def every_view(d, who, start, pages):
    """Opens each page in every view (width, language, type), `start` setting the language and type; then back to
    Chinese in standard type. Answers the problems found and how many views were looked at."""
    failures = []
    for width, lang, large in VIEWS:
        d.set_window_size(width, 900)
        d.get(BASE + f"{start}?lang={lang}&large={1 if large else 0}")
        for page in pages:
            failures += look(d, page, f"{who} {lang} {width}px{' large' if large else ''}")
    d.get(BASE + f"{start}?lang=zh-Hans&large=0")
    return failures, len(VIEWS) * len(pages)


def png_file():
    """A real 64 x 48 photo, as a phone's camera would give one to the form."""
    w, h = 64, 48
    rows = b"".join(b"\x00" + b"".join(bytes([(x * 4) % 256, (y * 5) % 256, 120]) for x in range(w)) for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    f = tempfile.NamedTemporaryFile(suffix=".png", delete=False)
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    f.close()
    return f.name


def photo_kept_through_refusal(d):
    """The contractor's site log, refused for a count sent past the browser's own check: the photo is back."""
    sign_in(d, "contractor")
    d.set_window_size(390, 900)
    for n in range(1, 41):
        d.get(BASE + f"/projects/{n}?lang=zh-Hans")
        if d.find_elements(By.CSS_SELECTOR, "#log-form form"):
            break
    else:
        return ["contractor: no project offers a site log form"]
    photos = len(d.find_elements(By.CSS_SELECTOR, "img[alt='现场照片']"))
    d.execute_script("document.getElementById('log-form').open = true")
    form = d.find_element(By.CSS_SELECTOR, "#log-form form")
    workers = form.find_element(By.NAME, "workers")
    d.execute_script("arguments[0].removeAttribute('min')", workers)
    form.find_element(By.NAME, "weather").send_keys("晴")
    workers.send_keys("-5")
    form.find_element(By.NAME, "work_done").send_keys("拆除旧雨棚")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(png_file())
    WebDriverWait(d, 15).until(lambda d: d.execute_script(
        "var b = document.querySelector('#log-form button[type=submit]'); return !b.disabled"))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(d, 15).until(lambda d: "/site_logs" in d.current_url)
    try:
        WebDriverWait(d, 10).until(lambda d: d.execute_script(
            "return document.querySelector('#log-form input[type=file]').files.length") == 1)
    except TimeoutException:
        return ["contractor: the photo chosen with a refused site log was not put back"]
    said = d.find_element(By.CSS_SELECTOR, "#log-form .note").text
    if "已重新放回" not in said or "没有保存" in said:
        return [f"contractor: a refused site log with its photo put back says: {said}"]
    form = d.find_element(By.CSS_SELECTOR, "#log-form form")
    form.find_element(By.NAME, "workers").clear()
    form.find_element(By.NAME, "workers").send_keys("6")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(d, 15).until(lambda d: "/site_logs" not in d.current_url)
    if len(d.find_elements(By.CSS_SELECTOR, "img[alt='现场照片']")) != photos + 1:
        return ["contractor: the site log saved after a refusal shows no photo"]
    return []


def browser_text_size():
    """The text size a person set in the browser is the one the pages use."""
    d = driver(font_px=24)
    try:
        d.get(BASE + "/public/compounds/1?lang=zh-Hans&large=0")
        size = d.execute_script("return getComputedStyle(document.querySelector('main p, main li, main td')).fontSize")
        found = [] if size == "24px" else [f"a browser set to 24 px text shows the public page's text at {size}"]
        # On a phone in that size, the header and the cards still fit the page's width.
        sign_in(d, "contractor")
        d.set_window_size(390, 844)
        for page in ["/", "/projects/1"]:
            d.get(BASE + page + "?lang=zh-Hans&large=0")
            wide = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            if wide > 1:
                found.append(f"contractor {page} at 390 px in 24 px browser text scrolls sideways by {wide} px")
        return found
    finally:
        d.quit()


def visit_without_outcome(d):
    """A steward's visit sent past the browser's check with no outcome: said in the form's words, nothing queued."""
    sign_in(d, "louzhang")
    d.set_window_size(390, 844)
    d.get(BASE + "/my-households?lang=zh-Hans&large=0")
    form = d.find_element(By.ID, "contact-form")
    d.execute_script("arguments[0].querySelector('[name=outcome]').removeAttribute('required')", form)
    household = form.find_element(By.NAME, "household_id")
    d.execute_script("arguments[0].selectedIndex = 1", household)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    said = d.find_element(By.ID, "contact-status").text
    queued = d.execute_script("return Object.keys(localStorage).filter(k => (localStorage[k] || '').length > 2).length")
    if "请选择联系结果" not in said:
        return [f"louzhang: a visit with no outcome says: {said}"]
    return [] if not queued else [f"louzhang: a visit with no outcome was queued ({queued} keys)"]


def main():
    d = driver()
    failures, looked = [], 0
    try:
        for account in ACCOUNTS:
            sign_in(d, account)
            found, n = every_view(d, account, "/", pages_of(d, account))
            failures, looked = failures + found, looked + n
        # A resident, with no account: a compound's public page and the public pages it leads to.
        d.delete_all_cookies()
        public = ["/public/compounds/1", "/public/communities/1/news", "/public/reports/track"]
        d.get(BASE + public[0])
        for a in d.find_elements(By.CSS_SELECTOR, "main a[href]"):
            path = same_site(a.get_attribute("href"))
            if path and path.startswith("/public/") and path not in public and len(public) < 12:
                public.append(path)
        found, n = every_view(d, "resident", public[0], public)
        failures, looked = failures + found, looked + n
        # A note is said once.
        sign_in(d, "louzhang")
        d.set_window_size(390, 900)
        d.get(BASE + "/my-households?saved=1")
        note = d.find_elements(By.CSS_SELECTOR, "p.note.ok")
        if not note:
            failures.append("louzhang /my-households?saved=1: no note")
        if "saved=" in d.current_url:
            failures.append(f"louzhang: the address kept the note after it was read: {d.current_url}")
        d.refresh()
        if d.find_elements(By.CSS_SELECTOR, "p.note.ok"):
            failures.append("louzhang /my-households: the note was said again on reload")
        failures += photo_kept_through_refusal(d)
        failures += browser_text_size()
        failures += visit_without_outcome(d)
    finally:
        d.quit()
    for f in failures:
        print("✘", f)
    print(f"browser: {looked} page views, {len(ACCOUNTS)} accounts and a resident, {len(failures)} problems")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
