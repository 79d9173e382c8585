#!/usr/bin/env python3
"""Several Courtyard servers over one PostgreSQL behave as one, checked over real HTTP.

Starts two `courtyard serve` processes at the same moment on a fresh PostgreSQL database (they must migrate it once
between them) and Debian's nginx in front of them (.ci/nginx-cluster.conf), then checks:
  - a token and a page session made on one server work on the other;
  - revoking a token and disabling an account on one server take effect on the other within 5 seconds;
  - ballots entered at the same time on both servers and through nginx count exactly as one server counts them;
  - so do questionnaire answers entered on paper, sign-ups to an event with few places, and stewards' contacts
    with households for an outreach campaign;
  - the outbox workers of both servers deliver each webhook exactly once;
  - a rate limit holds across the servers (requests spread over both by nginx);
  - the audit log records the client address nginx forwarded, and a forged X-Forwarded-For is not believed.

Python's standard library only. Usage (CI's ports are the defaults):
  python3 .ci/cluster.py --database-url postgres://postgres@127.0.0.1:55432/postgres
"""

import argparse
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

ADMIN_PASSWORD = "cluster-admin-password"
DEMO_PASSWORD = "courtyard-demo"
LIMIT_SECONDS = 5.0
failures = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)


class Resp:
    def __init__(self, status, text, headers):
        self.status = status
        self.text = text
        self.headers = headers
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def cookies(self):
        return [v.split(";")[0] for k, v in self.headers if k.lower() == "set-cookie"]


def call(base, method, path, body=None, token=None, headers=None, source=None, form=False, cookie=None):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(
        u.hostname, u.port, timeout=60, source_address=(source, 0) if source else None)
    h = {"Accept-Language": "zh-CN"}
    if token:
        h["Authorization"] = "Bearer " + token
    if cookie:
        h["Cookie"] = cookie
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
    h.update(headers or {})
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return Resp(r.status, r.read().decode("utf-8", "replace"), r.getheaders())
    finally:
        conn.close()


def token(base, username, password, source=None):
    r = call(base, "POST", "/api/v1/auth/token", {"username": username, "password": password}, source=source)
    if r.status != 201:
        raise SystemExit(f"sign-in of {username} at {base} failed: {r.status} {r.text[:300]}")
    return r.json["token"]


def wait_until(predicate, seconds):
    """Seconds until predicate() held, or None if it did not within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.1)
    return None


def wait_http(base, path="/healthz", seconds=120):
    def up():
        try:
            return call(base, "GET", path).status == 200
        except OSError:
            return False
    if wait_until(up, seconds) is None:
        raise SystemExit(f"{base}{path} did not answer 200 within {seconds} s")


class Receiver(http.server.BaseHTTPRequestHandler):
    """Collects webhook deliveries."""
    hits = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with Receiver.lock:
            Receiver.hits.append((self.headers.get("X-Courtyard-Event"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def sessions_and_tokens(a, b):
    t = token(a, "office", DEMO_PASSWORD)
    check(call(b, "GET", "/api/v1/auth/me", token=t).status == 200, "a token made on server A works on server B")
    r = call(a, "POST", "/login", {"username": "office", "password": DEMO_PASSWORD, "next": "/"}, form=True)
    session = next((c for c in r.cookies() if c.startswith("courtyard_session=")), None)
    check(r.status == 303 and session is not None, "signing in through the page on A gives a session")
    me = call(b, "GET", "/api/v1/auth/me", cookie=session)
    check(me.status == 200 and (me.json or {}).get("username") == "office", "A's page session works on server B")
    page = call(b, "GET", "/", cookie=session)
    check(page.status == 200 and "/logout" in page.text, "B serves A's session its signed-in home page")


def revocation_and_disabling(a, b, admin):
    r = call(a, "POST", "/api/v1/users", {"username": "cluster-clerk", "password": "cluster-clerk-pass",
                                           "role": "admin"}, token=admin)
    check(r.status == 201, f"an account is created on A ({r.status} {r.text[:200]})")
    uid = r.json["id"]
    first = token(a, "cluster-clerk", "cluster-clerk-pass")
    second = token(b, "cluster-clerk", "cluster-clerk-pass")
    # B has seen both tokens (and may cache them) before they are revoked or disabled on A.
    check(call(b, "GET", "/api/v1/auth/me", token=first).status == 200, "B accepts the first token")
    check(call(b, "GET", "/api/v1/auth/me", token=second).status == 200, "B accepts the second token")
    check(call(a, "DELETE", "/api/v1/auth/token", token=first).status == 204, "the first token is revoked on A")
    took = wait_until(lambda: call(b, "GET", "/api/v1/auth/me", token=first).status == 401, LIMIT_SECONDS + 1)
    check(took is not None and took <= LIMIT_SECONDS,
          f"B refuses the revoked token within {LIMIT_SECONDS:.0f} s (took {took if took is None else round(took, 2)})")
    r = call(a, "PATCH", f"/api/v1/users/{uid}", {"disabled": True}, token=admin)
    check(r.status == 200, f"the account is disabled on A ({r.status})")
    took = wait_until(lambda: call(b, "GET", "/api/v1/auth/me", token=second).status == 401, LIMIT_SECONDS + 1)
    check(took is not None and took <= LIMIT_SECONDS,
          f"B refuses the disabled account within {LIMIT_SECONDS:.0f} s "
          f"(took {took if took is None else round(took, 2)})")


def ballots(a, b, proxy):
    office = token(proxy, "office", DEMO_PASSWORD)
    compounds = call(proxy, "GET", "/api/v1/compounds?limit=5", token=office).json["items"]
    compound = compounds[0]["id"]
    households = compound_households(proxy, office, compound)
    r = call(proxy, "POST", "/api/v1/votes",
             {"title": "集群录入测试", "matter": 4, "electorate": {"compound_id": compound}}, token=office)
    check(r.status == 201, f"a vote is drafted ({r.status} {r.text[:200] if r.status != 201 else ''})")
    vote = r.json["id"]
    r = call(proxy, "POST", f"/api/v1/votes/{vote}/open", token=office)
    check(r.status == 200, f"the vote is opened ({r.status})")
    eligible = r.json.get("eligible_households")
    # Every household's ballot is entered three times at once: on A, on B and through nginx. One entry counts.
    jobs = [(h, base) for h in households for base in (a, b, proxy)]
    tokens = {a: token(a, "office", DEMO_PASSWORD), b: token(b, "office", DEMO_PASSWORD), proxy: office}

    def cast(job):
        h, base = job
        choice = "approve" if h % 3 else "reject"
        return h, call(base, "POST", f"/api/v1/votes/{vote}/ballots", {"household_id": h, "choice": choice},
                       token=tokens[base]).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(cast, jobs))
    created = [h for h, s in results if s == 201]
    others = sorted({s for _, s in results if s != 201})
    check(sorted(created) == sorted(households),
          f"{len(households)} households, three entries each over both servers: one ballot each "
          f"({len(created)} created)")
    check(others == [409], f"the other entries are refused as conflicts (statuses {others})")
    detail = call(a, "GET", f"/api/v1/votes/{vote}", token=tokens[a]).json
    check(detail.get("ballots_cast") == len(households) == eligible,
          f"the vote counts {detail.get('ballots_cast')} ballots of {eligible} eligible households")
    closed = call(b, "POST", f"/api/v1/votes/{vote}/close", token=tokens[b])
    result = (closed.json or {}).get("result") or {}
    check(closed.status == 200 and result.get("participating_owners") == result.get("eligible_owners")
          and result.get("participating_area") == result.get("eligible_area") is not None,
          f"closing on B counts every owner and every square metre once ({closed.status}: "
          f"{result.get('participating_owners')} of {result.get('eligible_owners')} owners, "
          f"{result.get('participating_area')} of {result.get('eligible_area')} m²)")


def china_day(days=0):
    """The calendar day in China (the server's day), `days` from today, as 2026-12-06."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + days * 86400))


def compound_households(base, tok, compound):
    households = []
    cursor = ""
    while True:
        page = call(base, "GET", f"/api/v1/households?compound_id={compound}&limit=100{cursor}", token=tok).json
        households += [h["id"] for h in page["items"]]
        if not page.get("next_cursor"):
            break
        cursor = "&cursor=" + page["next_cursor"]
    return households


def office_tokens(a, b, proxy):
    return {a: token(a, "office", DEMO_PASSWORD), b: token(b, "office", DEMO_PASSWORD),
            proxy: token(proxy, "office", DEMO_PASSWORD)}


def questionnaire_answers(a, b, proxy):
    tokens = office_tokens(a, b, proxy)
    compounds = call(proxy, "GET", "/api/v1/compounds?limit=5", token=tokens[proxy]).json["items"]
    compound = compounds[1 % len(compounds)]["id"]
    households = compound_households(proxy, tokens[proxy], compound)
    r = call(a, "POST", "/api/v1/questionnaires",
             {"compound_id": compound, "kind": "consultation", "title": "集群问卷录入测试",
              "opens_on": china_day(-1), "closes_on": china_day(7),
              "questions": [{"text": "最需要改造的？", "type": "single", "options": ["管网", "外墙"]},
                            {"text": "满意度", "type": "rating"}]}, token=tokens[a])
    check(r.status == 201, f"a questionnaire is drafted on A ({r.status} {r.text[:200] if r.status != 201 else ''})")
    qid = r.json["id"]
    r = call(b, "POST", f"/api/v1/questionnaires/{qid}/publish", token=tokens[b])
    check(r.status == 200, f"the questionnaire is published on B ({r.status})")
    # Every household's paper is entered three times at once (same paper number): on A, on B and through nginx.
    jobs = [(h, base) for h in households for base in (a, b, proxy)]

    def enter(job):
        h, base = job
        r = call(base, "POST", f"/api/v1/questionnaires/{qid}/responses",
                 {"household_id": h, "paper_number": f"Q-{h}", "answers": [h % 2, 1 + h % 5]}, token=tokens[base])
        return h, r.status, ((r.json or {}).get("error") or {}).get("code")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(enter, jobs))
    created = [h for h, s, _ in results if s == 201]
    refused = {}
    for _, s, c in results:
        if s != 201:
            refused[(s, c)] = refused.get((s, c), 0) + 1
    check(sorted(created) == sorted(households),
          f"{len(households)} households, three paper entries each over both servers: one response each "
          f"({len(created)} created)")
    # Refused as a conflict whichever check sees the first entry: the household has answered, or its paper number
    # has been entered.
    check(sorted({s for s, _ in refused}) == [409],
          f"the other {len(results) - len(created)} entries are refused as conflicts "
          f"(status, code: count {sorted(refused.items(), key=str)})")
    res = call(b, "GET", f"/api/v1/questionnaires/{qid}/results", token=tokens[b]).json or {}
    options = [o.get("count") for o in ((res.get("questions") or [{}])[0].get("options") or [])]
    want = [sum(1 for h in households if h % 2 == 0), sum(1 for h in households if h % 2 == 1)]
    by_building = sum(x.get("responses", 0) for x in res.get("by_building") or [])
    check(res.get("responses") == len(households) == res.get("eligible_households") == by_building
          and options == want,
          f"B's results count {res.get('responses')} responses of {res.get('eligible_households')} households "
          f"({by_building} over the buildings), options chosen {options} (entered {want})")


def event_signups(a, b, proxy):
    tokens = office_tokens(a, b, proxy)
    compound = call(proxy, "GET", "/api/v1/compounds?limit=1", token=tokens[proxy]).json["items"][0]
    starts = time.strftime("%Y-%m-%dT%H:%M:00+08:00", time.gmtime(time.time() + 8 * 3600 + 2 * 86400))
    ends = time.strftime("%Y-%m-%dT%H:%M:00+08:00", time.gmtime(time.time() + 8 * 3600 + 2 * 86400 + 7200))
    capacity, people = 15, 40
    r = call(a, "POST", "/api/v1/events",
             {"title": "集群报名测试", "kind": "happy_sunday", "community_id": compound["community_id"],
              "starts_at": starts, "ends_at": ends, "place": "活动室", "capacity": capacity, "signup": "open"},
             token=tokens[a])
    check(r.status == 201, f"an event with {capacity} places is made on A ({r.status} "
                           f"{r.text[:200] if r.status != 201 else ''})")
    event = r.json["id"]
    # Staff sign up 40 people for 15 places; each person is signed up twice at once, on two different servers.
    pairs = [(a, b), (b, proxy), (proxy, a)]
    jobs = [(i, base) for i in range(people) for base in pairs[i % 3]]

    def sign_up(job):
        i, base = job
        r = call(base, "POST", f"/api/v1/events/{event}/signups",
                 {"name": f"居民{i}", "phone": f"1390000{i:04d}"}, token=tokens[base])
        return i, r.status, (r.json or {}).get("status") if r.status == 201 else \
            ((r.json or {}).get("error") or {}).get("code")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(sign_up, jobs))
    taken = [(i, st) for i, s, st in results if s == 201]
    refused = sorted({(s, c) for _, s, c in results if s != 201}, key=str)
    confirmed = sum(1 for _, st in taken if st == "confirmed")
    waitlisted = sum(1 for _, st in taken if st == "waitlisted")
    check(sorted(i for i, _ in taken) == list(range(people)),
          f"{people} people, each signed up twice at once over both servers: one sign-up each ({len(taken)} made)")
    check(refused == [(409, "already_signed_up")],
          f"the second sign-up of each person is refused as already signed up (statuses and codes {refused})")
    check(confirmed == capacity and waitlisted == people - capacity,
          f"{capacity} places: {confirmed} confirmed and {waitlisted} waitlisted answered "
          f"(want {capacity} and {people - capacity})")
    for label, base in (("A", a), ("B", b)):
        e = call(base, "GET", f"/api/v1/events/{event}", token=tokens[base]).json or {}
        check(e.get("confirmed") == confirmed and e.get("waitlisted") == waitlisted,
              f"the event read on {label} counts {e.get('confirmed')} confirmed and {e.get('waitlisted')} waitlisted")
    listed = (call(b, "GET", f"/api/v1/events/{event}/signups?limit=100", token=tokens[b]).json or {}).get("items") or []
    first = sorted(listed, key=lambda x: x["id"])[:capacity]
    check(len(listed) == people and len({x.get("phone") for x in listed}) == people
          and all(x.get("status") == "confirmed" for x in first)
          and sum(1 for x in listed if x.get("status") == "confirmed") == capacity,
          f"B lists {len(listed)} sign-ups of {len({x.get('phone') for x in listed})} phones, the first {capacity} "
          f"signed up confirmed ({sum(1 for x in listed if x.get('status') == 'confirmed')} confirmed in all)")


def contacts(a, b, proxy):
    tokens = office_tokens(a, b, proxy)
    compounds = call(proxy, "GET", "/api/v1/compounds?limit=5", token=tokens[proxy]).json["items"]
    compound = compounds[2 % len(compounds)]["id"]
    households = compound_households(proxy, tokens[proxy], compound)
    r = call(a, "POST", "/api/v1/campaigns",
             {"title": "集群走访测试", "compound_ids": [compound], "goal": "agree", "until": china_day(30)},
             token=tokens[a])
    check(r.status == 201, f"an outreach campaign is opened on A ({r.status} {r.text[:200] if r.status != 201 else ''})")
    campaign = r.json["id"]
    check(r.json.get("targets") == len(households),
          f"the campaign targets every household of the compound ({r.json.get('targets')} of {len(households)})")
    outcomes = ["agreed", "refused", "unreachable", "explained"]
    day = china_day(-1)
    # Each household's visit is sent three times at once with one client id (a phone resending it): on A, on B and
    # through nginx; every third household also gets a second, different visit that only explained.
    jobs = [(h, 1, base) for h in households for base in (a, b, proxy)]
    jobs += [(h, 2, (a, b, proxy)[h % 3]) for h in households if h % 3 == 0]

    def outcome(h, n):
        return outcomes[h % 4] if n == 1 else "explained"

    def enter(job):
        h, n, base = job
        r = call(base, "POST", f"/api/v1/households/{h}/contacts",
                 {"channel": "visit", "date": day, "outcome": outcome(h, n), "note": "集群走访",
                  "campaign_id": campaign, "client_id": f"cluster-{campaign}-{h}-{n}"}, token=tokens[base])
        return (h, n), r.status, (r.json or {}).get("id")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(enter, jobs))
    sent = sorted({k for k, _, _ in results})
    stored = sorted(k for k, s, _ in results if s == 201)
    others = sorted({s for _, s, _ in results if s != 201})
    same = all(len({i for k2, _, i in results if k2 == k}) == 1 for k in sent)
    check(stored == sent,
          f"{len(sent)} visits to {len(households)} households, sent {len(results)} times over both servers: "
          f"each stored once ({len(stored)} stored)")
    check(others == [200] and same,
          f"the copies sent again are answered 200 with the first entry, not stored (statuses {others}, "
          f"{'one id per visit' if same else 'different ids for one visit'})")

    def listed(h):
        items = (call(b, "GET", f"/api/v1/households/{h}/contacts?limit=100", token=tokens[b]).json or {}).get("items")
        return h, sorted(x.get("client_id") for x in items or [] if x.get("campaign_id") == campaign)

    with ThreadPoolExecutor(max_workers=10) as pool:
        logs = dict(pool.map(listed, households))
    wrong = [h for h in households
             if logs[h] != [f"cluster-{campaign}-{h}-{n}" for n in ((1, 2) if h % 3 == 0 else (1,))]]
    check(not wrong, f"each household's contact log read on B holds the campaign's visits exactly once "
                     f"({sum(map(len, logs.values()))} visits, {len(wrong)} households miscounted)")
    # The product's rule (CampaignRules.status): agreed or refused decide; explaining makes an unreachable household
    # contacted and leaves an answer standing; unreachable counts only while nobody has been reached.
    want = {"targets": len(households), "not_contacted": 0, "contacted": 0, "agreed": 0, "refused": 0,
            "unreachable": 0}
    for h in households:
        first = outcomes[h % 4]
        status = {"explained": "contacted"}.get(first, first)
        if h % 3 == 0 and status == "unreachable":
            status = "contacted"
        want[status] += 1
    progress = call(b, "GET", f"/api/v1/campaigns/{campaign}/progress", token=tokens[b]).json or {}
    total = {k: (progress.get("total") or {}).get(k) for k in want}
    lines = [x for x in progress.get("by_day") or [] if x.get("date") == day]
    line = lines[0] if lines else {}
    check(total == want, f"the campaign's progress read on B: {total} (want {want})")
    check(line.get("contacts") == len(stored) and line.get("households") == len(households),
          f"the campaign's day counts {line.get('contacts')} contacts with {line.get('households')} households "
          f"(stored {len(stored)} with {len(households)})")


def outbox_exactly_once(a, b, receiver_port):
    office_a = token(a, "office", DEMO_PASSWORD)
    office_b = token(b, "office", DEMO_PASSWORD)
    hook = call(a, "POST", "/api/v1/webhooks",
                {"url": f"http://127.0.0.1:{receiver_port}/hook", "events": ["report.created"],
                 "secret": "cluster-secret-cluster"}, token=office_a)
    check(hook.status == 201, f"a webhook is registered ({hook.status} {hook.text[:200] if hook.status != 201 else ''})")
    compound = call(a, "GET", "/api/v1/compounds?limit=1", token=office_a).json["items"][0]["id"]

    def report(i):
        base, t = (a, office_a) if i % 2 else (b, office_b)
        return call(base, "POST", "/api/v1/reports",
                    {"compound_id": compound, "category": "safety", "description": f"集群测试 {i}"}, token=t)

    with ThreadPoolExecutor(max_workers=10) as pool:
        made = list(pool.map(report, range(30)))
    ids = sorted(r.json["id"] for r in made if r.status == 201)
    check(len(ids) == 30, f"30 reports are filed over both servers ({len(ids)})")

    def delivered():
        with Receiver.lock:
            return [json.loads(body)["data"]["id"] for event, body in Receiver.hits if event == "report.created"]
    wait_until(lambda: len(delivered()) >= 30, 30)
    time.sleep(3)  # both workers pass over the outbox again: nothing may arrive twice
    got = delivered()
    check(sorted(got) == ids, f"both servers' outbox workers delivered each of the 30 webhooks once ({len(got)} "
                              f"deliveries, {len(set(got))} distinct)")


def rate_limit(proxy):
    upstreams = set()
    statuses = []
    for i in range(31):
        r = call(proxy, "GET", f"/public/reports/track?code=R-CLUSTER{i}", source="127.0.0.3")
        statuses.append(r.status)
        upstreams.add(r.header("X-Courtyard-Upstream"))
    check(len(upstreams) == 2, f"nginx spread the lookups over both servers ({sorted(map(str, upstreams))})")
    check(statuses[:30] == [404] * 30 and statuses[30] == 429,
          f"the 31st lookup from one client in ten minutes is refused across both servers ({statuses[-2:]})")
    other = call(proxy, "GET", "/public/reports/track?code=R-CLUSTERX", source="127.0.0.4")
    check(other.status == 404, "another client keeps its own allowance")


def audit_addresses(a, b, proxy, admin):
    def made_from(base, name, source, forwarded):
        r = call(base, "POST", "/api/v1/users", {"username": name, "password": "cluster-pass-1", "role": "admin"},
                 token=admin, source=source, headers={"X-Forwarded-For": forwarded})
        if r.status != 201:
            return f"status {r.status}"
        entries = call(a, "GET", "/api/v1/audit?entity=users&limit=50", token=admin).json["items"]
        return next((e.get("address") for e in entries if e.get("entity_id") == r.json["id"]), "no entry")

    got = made_from(proxy, "cluster-audit-1", "127.0.0.2", "6.6.6.6")
    check(got == "127.0.0.2", f"through nginx the audit log records the client nginx saw, not a forged header ({got})")
    got = made_from(b, "cluster-audit-2", "127.0.0.2", "6.6.6.6")
    check(got == "127.0.0.2", f"straight to a server, X-Forwarded-For from an untrusted peer is ignored ({got})")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", required=True, help="a PostgreSQL URL whose user may create databases")
    p.add_argument("--binary", default=".build/debug/courtyard")
    p.add_argument("--ports", default="18081,18082,18090", help="server A, server B, nginx")
    p.add_argument("--nginx-conf", default=os.path.join(os.path.dirname(__file__), "nginx-cluster.conf"))
    args = p.parse_args()
    port_a, port_b, port_p = args.ports.split(",")
    work = tempfile.mkdtemp(prefix="courtyard-cluster-")
    name = f"cy_cluster_{os.getpid()}"
    u = urllib.parse.urlsplit(args.database_url)
    db_url = urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))
    subprocess.run(["psql", args.database_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    processes = []
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        env = dict(os.environ, DATABASE_URL=db_url, COURTYARD_ADMIN_PASSWORD=ADMIN_PASSWORD,
                   COURTYARD_TRUSTED_PROXIES="127.0.0.1", COURTYARD_ALLOW_PRIVATE_WEBHOOKS="1")
        logs = {}
        # Both at the same moment over the empty database: one migrates, the other waits for its lock.
        for label, port in (("a", port_a), ("b", port_b)):
            logs[label] = os.path.join(work, f"serve-{label}.log")
            processes.append(subprocess.Popen(
                [args.binary, "serve", "--port", port], env=env, stdout=open(logs[label], "w"),
                stderr=subprocess.STDOUT))
        a, b, proxy = (f"http://127.0.0.1:{x}" for x in (port_a, port_b, port_p))
        wait_http(a)
        wait_http(b)
        # The line is in the command line's language (Chinese unless LANG and the like name English).
        migrated = sum(open(logs[x]).read().count(words) for x in logs
                       for words in ("已把 PostgreSQL 数据库迁移到", "migrated the PostgreSQL database"))
        check(migrated == 1, f"two servers started together migrated the database once ({migrated})")
        seeded = subprocess.run([args.binary, "demo", "--scale", "subdistrict"], env=env, capture_output=True,
                                text=True)
        check(seeded.returncode == 0, "the demo sub-district is loaded while both servers run")
        conf = open(args.nginx_conf).read()
        # One pass, so that a port given for one server is never rewritten as another's.
        ports = {"18081": port_a, "18082": port_b, "18090": port_p}
        conf = re.sub(r"\b(18081|18082|18090)\b", lambda m: ports[m.group(1)], conf)
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        processes.append(subprocess.Popen([nginx, "-p", work, "-c", os.path.join(work, "nginx.conf")],
                                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "nginx.log"), "w")))
        wait_http(proxy, seconds=30)

        admin = token(a, "admin", ADMIN_PASSWORD)
        sessions_and_tokens(a, b)
        revocation_and_disabling(a, b, admin)
        ballots(a, b, proxy)
        questionnaire_answers(a, b, proxy)
        event_signups(a, b, proxy)
        contacts(a, b, proxy)
        outbox_exactly_once(a, b, receiver.server_address[1])
        rate_limit(proxy)
        audit_addresses(a, b, proxy, admin)
    finally:
        receiver.shutdown()
        for proc in reversed(processes):
            proc.send_signal(signal.SIGTERM)
        for proc in processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if failures:
            for f in sorted(os.listdir(work)):
                if f.endswith(".log"):
                    print(f"--- {f} (last lines)")
                    print("".join(open(os.path.join(work, f), errors="replace").readlines()[-30:]))
        subprocess.run(["psql", args.database_url, "-q", "-c", f"DROP DATABASE IF EXISTS {name}"])
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)
    print("several servers over one PostgreSQL behave as one", flush=True)


if __name__ == "__main__":
    main()
