"""Checks the communities' news feeds with the Atom/RSS parser from PyPI (feedparser), and their event calendars
with icalendar, over real HTTP against the demo."""
import sys
import time

import feedparser
import requests
from icalendar import Calendar

base = sys.argv[1].rstrip("/")
token = requests.post(f"{base}/api/v1/auth/token",
                      json={"username": "office", "password": "courtyard-demo"}).json()["token"]
auth = {"Authorization": f"Bearer {token}"}
communities = requests.get(f"{base}/api/v1/communities?limit=2", headers=auth).json()["items"]
assert communities, "the demo has communities"
total = 0
for community in communities:
    cid = community["id"]
    response = requests.get(f"{base}/public/communities/{cid}/news.atom")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("application/atom+xml"), response.headers["Content-Type"]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, f"feedparser: {feed.bozo_exception!r}"
    assert feed.version == "atom10", feed.version
    assert feed.feed.get("title") and feed.feed.get("id") and feed.feed.get("updated_parsed"), feed.feed
    assert feed.entries, f"community {cid}: the demo has reported events"
    for e in feed.entries:
        assert e.get("title") and e.get("id") and e.get("link") and e.get("updated_parsed"), e
        assert e.get("content") and e.content[0].value.strip(), e
        assert "138" not in e.content[0].value and "139" not in e.content[0].value, "no phones in the news"
    stamps = [time.mktime(e.updated_parsed) for e in feed.entries]
    assert stamps == sorted(stamps, reverse=True), "newest first"
    total += len(feed.entries)
    ics = requests.get(f"{base}/public/communities/{cid}/events.ics")
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(ics.content)
    uids = [str(v["UID"]) for v in cal.walk("VEVENT")]
    assert uids and all(u.startswith("event-") for u in uids), uids
    # Each event leads back to its public page, which answers.
    urls = [str(v["URL"]) for v in cal.walk("VEVENT")]
    assert len(urls) == len(uids) and all("/public/events/" in u for u in urls), urls
    assert requests.get(urls[0]).status_code == 200, urls[0]
first = communities[0]["id"]
photos = [link.href for e in feedparser.parse(requests.get(f"{base}/public/communities/{first}/news.atom").content).entries
          for link in e.links if link.rel == "enclosure"]
assert photos, "the demo's reports have photos"
assert requests.get(photos[0]).headers["Content-Type"] == "image/png", "a report's photo is public"
made = requests.post(f"{base}/api/v1/me/calendar_feed", headers=auth)
mine = Calendar.from_ical(requests.get(made.json()["url"]).content)
assert any(str(v["UID"]).startswith("event-") for v in mine.walk("VEVENT")), "the office's feed has the events"
print(f"feedparser: {len(communities)} community feeds, {total} reports; icalendar: event calendars parse")
