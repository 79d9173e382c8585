"""Checks the private calendar feeds over real HTTP with an iCalendar parser from PyPI (icalendar)."""
import sys

import requests
from icalendar import Calendar

base = sys.argv[1].rstrip("/")
for username in ("office", "water"):
    token = requests.post(f"{base}/api/v1/auth/token",
                          json={"username": username, "password": "courtyard-demo"}).json()["token"]
    made = requests.post(f"{base}/api/v1/me/calendar_feed", headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    feed = requests.get(url)
    assert feed.status_code == 200, feed.status_code
    assert feed.headers["Content-Type"].startswith("text/calendar"), feed.headers["Content-Type"]
    raw = feed.content
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "lines end in CRLF"
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines fold at 75 octets"
    cal = Calendar.from_ical(raw)
    zones = [c for c in cal.walk("VTIMEZONE")]
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"], zones
    events = list(cal.walk("VEVENT"))
    assert events, "the demo feed holds meetings"
    for e in events:
        assert e.get("UID") and e.get("DTSTAMP") and e.get("DTSTART"), e
    timed = [e for e in events if e.get("DTSTART").params.get("TZID")]
    assert timed and all(e.get("DTSTART").params["TZID"] == "Asia/Shanghai" for e in timed)
    assert all(e.decoded("DTSTART").utcoffset().total_seconds() == 8 * 3600 for e in timed)
    cancelled = [e for e in events if str(e.get("STATUS")) == "CANCELLED"]
    assert cancelled, "the demo's cancelled meeting is in the feed"
    requests.post(f"{base}/api/v1/me/calendar_feed", headers={"Authorization": f"Bearer {token}"})
    assert requests.get(url).status_code == 404, "a replaced secret no longer opens the feed"
    print(f"icalendar ({username}): {len(events)} events, {len(cancelled)} cancelled, timezone Asia/Shanghai")
