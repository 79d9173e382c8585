#!/usr/bin/env python3
"""Faults that must lose nothing, with the real binary:

  1. `kill -9` of `courtyard import` at several moments: the SQLite database passes PRAGMA integrity_check and holds
     all of the sheet or none of it; importing again then works, and exports the same sheet as a clean import.
  2. backup -> restore -> export gives the same sheet byte for byte; a database with data is replaced only with --force.
  3. `kill -9` of the server while 20 clients enter ballots: after a restart every ballot answered 2xx is there,
     once, and entering the rest completes the vote.
  4. (with --database-url and --pg-stop/--pg-start) PostgreSQL stopped under load: requests fail with 503 and the
     catalogue's Chinese message while it is down, the server recovers by itself once it is back, and every report
     written is whole (it has its audit entry).
  5. (with the same) PostgreSQL that takes connections and never answers (through a relay that falls silent):
     requests fail with a 503 within seconds, and the server files reports again once it answers, though the
     connections begun while it was silent are never answered.

Python's standard library and the sqlite3 and psql command-line tools. Usage:
  python3 .ci/faults.py [--binary .build/debug/courtyard] [--port 18085]
      [--database-url URL --pg-stop 'CMD' --pg-start 'CMD']
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

DEMO_PASSWORD = "courtyard-demo"
ADMIN_PASSWORD = "faults-admin-password"
failures = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)


def call(base, method, path, body=None, token=None, timeout=30):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = {"Accept-Language": "zh-CN"}
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body)
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return r.status, parsed
    finally:
        conn.close()


def wait_until(predicate, seconds):
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if predicate():
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.1)
    return None


def sqlite(path, sql):
    return subprocess.run(["sqlite3", path, sql], capture_output=True, text=True, check=True).stdout.strip()


def courtyard(binary, *args, env=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, env=env)


class Server:
    def __init__(self, binary, data, port, env=None, demo=True):
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(data if os.path.isdir(data) else tempfile.gettempdir(),
                                     f"serve-{port}-{time.time_ns()}.log"), "w")
        cmd = [binary, "serve", "--port", str(port), "--data", data] + (["--demo"] if demo else [])
        self.proc = subprocess.Popen(cmd, env=dict(os.environ, COURTYARD_ADMIN_PASSWORD=ADMIN_PASSWORD, **(env or {})),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if wait_until(lambda: call(self.base, "GET", "/healthz", timeout=5)[0] == 200, 180) is None:
            raise SystemExit(f"the server on {port} did not start")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def token(base, username, password=DEMO_PASSWORD):
    status, body = call(base, "POST", "/api/v1/auth/token", {"username": username, "password": password})
    if status != 201:
        raise SystemExit(f"sign-in of {username} failed: {status} {body}")
    return body["token"]


def import_killed(binary, work):
    sheet = os.path.join(work, "sheet.csv")
    r = courtyard(binary, "demo", "--scale", "subdistrict", "--sheet", sheet)
    check(r.returncode == 0, "the demo household sheet is written")
    rows = sum(1 for _ in open(sheet, encoding="utf-8")) - 1
    # A clean import, timed, gives the reference export and how long an import takes.
    clean = os.path.join(work, "clean")
    courtyard(binary, "migrate", "--data", clean)
    start = time.monotonic()
    r = courtyard(binary, "import", "registry", sheet, "--subdistrict", "示范街道", "--data", clean)
    took = time.monotonic() - start
    check(r.returncode == 0 and int(sqlite(os.path.join(clean, "courtyard.sqlite"), "SELECT COUNT(*) FROM households"))
          == rows, f"a clean import of {rows} households takes {took:.1f} s {r.stderr.strip()}")
    courtyard(binary, "export", "registry", "--out", os.path.join(work, "clean.csv"), "--data", clean)

    data = os.path.join(work, "killed")
    courtyard(binary, "migrate", "--data", data)
    db = os.path.join(data, "courtyard.sqlite")
    seen = set()
    for fraction in (0.05, 0.2, 0.4, 0.6, 0.8, 0.95):
        proc = subprocess.Popen([binary, "import", "registry", sheet, "--subdistrict", "示范街道", "--data", data],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(took * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        integrity = sqlite(db, "PRAGMA integrity_check")
        count = int(sqlite(db, "SELECT COUNT(*) FROM households"))
        seen.add(count)
        check(integrity == "ok" and count in (0, rows),
              f"killed at {int(fraction * 100)}% of an import: integrity {integrity}, {count} of {rows} households")
    r = courtyard(binary, "import", "registry", sheet, "--subdistrict", "示范街道", "--data", data)
    check(r.returncode == 0 and int(sqlite(db, "SELECT COUNT(*) FROM households")) == rows,
          "importing again after the kills works")
    courtyard(binary, "export", "registry", "--out", os.path.join(work, "killed.csv"), "--data", data)
    same = open(os.path.join(work, "killed.csv"), "rb").read() == open(os.path.join(work, "clean.csv"), "rb").read()
    check(same, "and exports the same sheet as a clean import")
    return clean


def backup_restore(binary, work, clean, port):
    backup = os.path.join(work, "backup.sqlite")
    r = courtyard(binary, "backup", "--out", backup, "--data", clean)
    check(r.returncode == 0, "courtyard backup writes a copy")
    restored = os.path.join(work, "restored")
    r = courtyard(binary, "restore", "--from", backup, "--data", restored)
    check(r.returncode == 0, f"courtyard restore puts it in an empty folder: {r.stdout.strip() or r.stderr.strip()}")
    courtyard(binary, "export", "registry", "--out", os.path.join(work, "restored.csv"), "--data", restored)
    same = open(os.path.join(work, "restored.csv"), "rb").read() == open(os.path.join(work, "clean.csv"), "rb").read()
    check(same, "backup -> restore -> export gives the same sheet byte for byte")
    r = courtyard(binary, "restore", "--from", backup, "--data", restored)
    check(r.returncode == 1 and "--force" in r.stderr, "restoring over a database with data needs --force")
    server = Server(binary, restored, port, demo=False)
    r = courtyard(binary, "restore", "--from", backup, "--data", restored, "--force")
    up = call(server.base, "GET", "/healthz", timeout=5)[0] == 200
    server.stop()
    check(r.returncode == 1 and ("running" in r.stderr or "运行中" in r.stderr) and up,
          f"a restore under a running server is refused, even with --force, and the server goes on: {r.stderr.strip()}")
    r = courtyard(binary, "restore", "--from", backup, "--data", restored, "--force")
    check(r.returncode == 0, "and with --force, once the server has stopped, it is replaced")
    broken = os.path.join(work, "broken.sqlite")
    with open(backup, "rb") as f:
        raw = bytearray(f.read())
    middle = (len(raw) // 4096 // 2) * 4096
    raw[middle:middle + 4096] = b"Z" * 4096
    with open(broken, "wb") as f:
        f.write(raw)
    r = courtyard(binary, "restore", "--from", broken, "--data", os.path.join(work, "never"))
    check(r.returncode == 1 and not os.path.exists(os.path.join(work, "never", "courtyard.sqlite")),
          f"a damaged backup is refused and nothing is written: {r.stderr.strip()}")


def full_disk(binary, work, port):
    """The data folder on a 32 MB file system that a city's sheet cannot fit in: imports over the API and from the
    command line fail with a clear error and write nothing; the server goes on serving reads and small writes."""
    small = os.path.join(work, "small-disk")
    os.makedirs(small)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", small]).returncode != 0:
        print("full disk: skipped, a small file system cannot be mounted here (needs root)", flush=True)
        return
    sheet = os.path.join(work, "city.csv")
    server = None
    try:
        r = courtyard(binary, "demo", "--scale", "city", "--sheet", sheet)
        check(r.returncode == 0, "the city's sheet (320,000 households) is written")
        server = Server(binary, small, port)
        office = token(server.base, "office")
        db = os.path.join(small, "courtyard.sqlite")

        def households():
            out = subprocess.run(["sqlite3", db, "SELECT COUNT(*) FROM households"], capture_output=True, text=True)
            return int(out.stdout.strip() or -1)

        before = households()
        data = open(sheet, "rb").read()
        u = urllib.parse.urlsplit(server.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        conn.request("POST", "/api/v1/imports?filename=city.csv", body=data,
                     headers={"Authorization": "Bearer " + office, "Content-Type": "text/csv",
                              "Accept-Language": "zh-CN"})
        resp = conn.getresponse()
        body = json.loads(resp.read().decode("utf-8", "replace") or "{}")
        conn.close()
        code = (body.get("error") or {}).get("code")
        message = (body.get("error") or {}).get("message", "")
        check(resp.status == 507 and code == "disk_full" and "磁盘已满" in message,
              f"an import over the API that fills the disk is refused: {resp.status} {code} {message}")
        check(households() == before, f"and wrote nothing ({households()} households, {before} before)")
        r = courtyard(binary, "import", "registry", sheet, "--subdistrict", "全市", "--data", small)
        check(r.returncode == 1 and ("disk is full" in r.stderr or "磁盘已满" in r.stderr),
              f"the command line says the disk is full: {r.stderr.strip()[:160]}")
        check(households() == before, "and wrote nothing either")
        ok = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True).stdout.strip()
        check(ok == "ok", f"the database is intact ({ok})")
        status, listed = call(server.base, "GET", "/api/v1/compounds?limit=5", token=office)
        check(status == 200 and len((listed or {}).get("items", [])) == 5, f"the server still serves reads ({status})")
        status, _ = call(server.base, "POST", "/api/v1/reports",
                         {"compound_id": listed["items"][0]["id"], "category": "other", "description": "磁盘满后仍可报事"},
                         token=office)
        check(status == 201, f"and, the failed import undone, a small write goes through ({status})")
    finally:
        if server:
            server.stop()
            server.log.close()
        subprocess.run(["umount", small])


def ballots_through_a_crash(binary, work, port):
    data = os.path.join(work, "ballots")
    os.makedirs(data)
    server = Server(binary, data, port)
    base = server.base
    office = token(base, "office")
    compound = call(base, "GET", "/api/v1/compounds?limit=1", token=office)[1]["items"][0]["id"]
    households = []
    cursor = ""
    while True:
        page = call(base, "GET", f"/api/v1/households?compound_id={compound}&limit=100{cursor}", token=office)[1]
        households += [h["id"] for h in page["items"]]
        if not page.get("next_cursor"):
            break
        cursor = "&cursor=" + page["next_cursor"]
    status, vote = call(base, "POST", "/api/v1/votes",
                        {"title": "断电录入测试", "matter": 4, "electorate": {"compound_id": compound}}, token=office)
    vote = vote["id"]
    call(base, "POST", f"/api/v1/votes/{vote}/open", token=office)
    answered = {}
    lock = threading.Lock()
    killed = threading.Event()

    def enter(h):
        try:
            status, _ = call(base, "POST", f"/api/v1/votes/{vote}/ballots", {"household_id": h, "choice": "approve"},
                             token=office, timeout=10)
        except (OSError, http.client.HTTPException):
            status = None  # no answer: the server died under it
        with lock:
            answered[h] = status
        return status

    def kill_midway():
        wait_until(lambda: len(answered) >= len(households) // 3, 60)
        server.kill9()
        killed.set()

    threading.Thread(target=kill_midway, daemon=True).start()
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(enter, households))
    killed.wait(60)
    ok = [h for h, s in answered.items() if s is not None and 200 <= s < 300]
    refused = [h for h, s in answered.items() if s is not None and s >= 400]
    lost = [h for h, s in answered.items() if s is None]
    print(f"      {len(ok)} ballots answered 2xx, {len(refused)} refused, {len(lost)} without an answer", flush=True)
    db = os.path.join(data, "courtyard.sqlite")
    server = Server(binary, data, port, demo=False)
    rows = sqlite(db, f"SELECT household_id, COUNT(*) FROM ballots WHERE vote_id = {vote} AND voided_at IS NULL "
                      "GROUP BY household_id")
    stored = {int(line.split("|")[0]): int(line.split("|")[1]) for line in rows.splitlines() if line}
    check(sqlite(db, "PRAGMA integrity_check") == "ok", "after kill -9 of the server the database is intact")
    check(len(ok) > 0 and all(stored.get(h) == 1 for h in ok),
          f"every ballot answered 2xx before the kill is there once ({len(ok)})")
    check(all(h not in stored for h in refused), "no refused ballot is there")
    check(all(n == 1 for n in stored.values()), "no household has two ballots")
    office = token(server.base, "office")
    again = [call(server.base, "POST", f"/api/v1/votes/{vote}/ballots", {"household_id": h, "choice": "approve"},
                  token=office)[0] for h in households if h not in stored]
    check(all(s == 201 for s in again), f"after the restart the {len(again)} remaining ballots are entered")
    detail = call(server.base, "GET", f"/api/v1/votes/{vote}", token=office)[1]
    check(detail["ballots_cast"] == len(households), f"the vote holds {detail['ballots_cast']} of {len(households)}")
    server.stop()


def with_postgres_database(url, body):
    """Runs body(url of a database of its own on that server), then drops that database."""
    name = f"cy_faults_{os.getpid()}"
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    u = urllib.parse.urlsplit(url)
    try:
        body(urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment)))
    finally:
        subprocess.run(["psql", url, "-q", "-c", f"DROP DATABASE IF EXISTS {name}"])


def file_report(base, office, compound, text, timeout):
    """Files a report; answers its status and body (None and why when no answer came), when it began and ended."""
    began = time.monotonic()
    try:
        status, body = call(base, "POST", "/api/v1/reports",
                            {"compound_id": compound, "category": "safety", "description": text},
                            token=office, timeout=timeout)
    except (OSError, http.client.HTTPException) as e:
        status, body = None, str(e)
    return status, body, began, time.monotonic()


def postgres_restart(binary, work, port, db_url, stop, start):
    """Loads the demo sub-district into db_url, which postgres_silent then uses."""
    data = os.path.join(work, "pg")
    os.makedirs(data)
    server = Server(binary, data, port, env={"DATABASE_URL": db_url})
    try:
        base = server.base
        office = token(base, "office")
        compound = call(base, "GET", "/api/v1/compounds?limit=1", token=office)[1]["items"][0]["id"]
        results = []
        lock = threading.Lock()
        stop_load = threading.Event()

        def load(worker):
            i = 0
            while not stop_load.is_set():
                i += 1
                text = f"重启测试 {worker}-{i}"
                status, body, began, ended = file_report(base, office, compound, text, timeout=15)
                with lock:
                    results.append((began, text, status, body, ended))
                time.sleep(0.05)

        threads = [threading.Thread(target=load, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        time.sleep(2)
        subprocess.run(stop, shell=True, check=True)
        down_at = time.monotonic()
        time.sleep(3)
        health = call(base, "GET", "/healthz")
        check(health[0] == 503, f"/healthz answers 503 while PostgreSQL is down ({health[0]})")
        # PostgreSQL takes connections before pg_ctl returns: "down" ends when the start is begun, not when it returns.
        start_at = time.monotonic()
        subprocess.run(start, shell=True, check=True)
        up_at = time.monotonic()
        back = wait_until(lambda: call(base, "GET", "/healthz", timeout=5)[0] == 200, 30)
        check(back is not None, f"the server recovers by itself {back if back is None else round(back, 1)} s after "
                                "PostgreSQL is back")
        # A fresh client once it answers again (the load's eight may all still be waiting on requests they began
        # during the outage): it files reports one after another until five in a row are filed, within 30 s.
        probes = []
        steady_at = None
        probe_began = time.monotonic()
        while time.monotonic() - probe_began < 30:
            i = len(probes)
            status, body, began, ended = file_report(base, office, compound, f"重启测试 恢复后{i}", timeout=15)
            probes.append((began, f"重启测试 恢复后{i}", status, body, ended))
            if len(probes) >= 5 and all(p[2] == 201 for p in probes[-5:]):
                steady_at = probes[-5][0] - up_at
                break
            time.sleep(0.2)
        stop_load.set()
        for t in threads:
            t.join()
        results.extend(probes)
        during = [r for r in results if down_at + 0.5 < r[0] and r[4] < start_at]
        statuses = sorted({r[2] for r in during}, key=str)
        clear = [r for r in during if r[2] == 503 and isinstance(r[3], dict)
                 and r[3].get("error", {}).get("code") == "database_unavailable"
                 and "数据库暂时无法连接" in r[3].get("error", {}).get("message", "")]
        check(during and statuses == [503] and len(clear) == len(during),
              f"while it is down every request is a 503 with the Chinese message ({len(during)} requests, "
              f"statuses {statuses})")
        # Once it is back, reports are filed again within seconds; until then each is a clear 503, nothing saved.
        unclear = sorted({f"{r[2]} {r[3]}"[:160] for r in probes if r[2] not in (201, 503)})
        check(steady_at is not None and steady_at < 20 and not unclear,
              f"after it is back reports are filed again, five in a row {steady_at if steady_at is None else round(steady_at, 1)} s "
              f"after PostgreSQL is back ({len(probes)} tried, {sum(r[2] == 503 for r in probes)} answered 503 before; {unclear})")
        # A request in flight when PostgreSQL stopped is answered too: before, one whose connection PostgreSQL ended
        # between two statements of its transaction was never answered.
        unanswered = [r for r in results if r[2] is None]
        check(not unanswered, f"every request is answered, also those in flight when PostgreSQL stopped "
                              f"({len(unanswered)} of {len(results)} had no answer within 15 s)")
        created = {r[1] for r in results if r[2] == 201}
        rows = subprocess.run(
            ["psql", db_url, "-At", "-c",
             "SELECT r.description, (SELECT COUNT(*) FROM audit_log a WHERE a.entity = 'reports' AND "
             "a.entity_id = r.id) FROM reports r WHERE r.description LIKE '重启测试 %'"],
            capture_output=True, text=True, check=True).stdout.splitlines()
        stored = {line.rsplit("|", 1)[0]: int(line.rsplit("|", 1)[1]) for line in rows if line}
        check(created <= set(stored), f"every report answered 201 is stored ({len(created)} of {len(stored)})")
        check(all(n >= 1 for n in stored.values()), "every stored report is whole: it has its audit entry")
    finally:
        server.stop()
        subprocess.run(start, shell=True, capture_output=True)


class QuietProxy:
    """A TCP relay in front of PostgreSQL that can fall silent: it closes what it relays and takes new connections
    without ever answering them (a network gone quiet, a server that accepts and hangs), until told to relay again.
    The connections taken while silent stay open and unanswered for as long as the relay runs."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.silent = False
        self.lock = threading.Lock()
        self.relayed, self.held = [], []
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.silent:
                    self.held.append(client)
                    continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.silent:
                    # Fallen silent while connecting: this one is held unanswered too.
                    upstream.close()
                    self.held.append(client)
                    continue
                self.relayed += [client, upstream]
            threading.Thread(target=self.pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def pump(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        a.close()

    def fall_silent(self):
        with self.lock:
            self.silent = True
            for s in self.relayed:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.relayed = []

    def relay_again(self):
        with self.lock:
            self.silent = False

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for s in self.held + self.relayed:
                s.close()


def postgres_silent(binary, work, port, url):
    """PostgreSQL that takes connections and never answers them: requests fail with a 503 within seconds, and once it
    answers again the server files reports again by itself, though the connections begun while it was silent are
    never answered. `url` names a database holding the demo sub-district."""
    u = urllib.parse.urlsplit(url)
    proxy = QuietProxy(u.hostname, u.port or 5432)
    user = (u.username or "") + (":" + u.password if u.password else "")
    netloc = (user + "@" if user else "") + f"127.0.0.1:{proxy.port}"
    db_url = urllib.parse.urlunsplit((u.scheme, netloc, u.path, u.query, u.fragment))
    data = os.path.join(work, "pg-silent")
    os.makedirs(data)
    server = Server(binary, data, port, env={"DATABASE_URL": db_url}, demo=False)
    try:
        base = server.base
        office = token(base, "office")
        compound = call(base, "GET", "/api/v1/compounds?limit=1", token=office)[1]["items"][0]["id"]

        def report(text):
            status, body, began, ended = file_report(base, office, compound, text, timeout=30)
            return status, body, ended - began

        proxy.fall_silent()
        with ThreadPoolExecutor(16) as pool:
            silent = list(pool.map(report, [f"静默测试 {i}" for i in range(16)]))
        statuses = sorted({r[0] for r in silent}, key=str)
        slowest = max(r[2] for r in silent)
        check(statuses == [503] and slowest < 15,
              f"while PostgreSQL says nothing every request is a 503 within 15 s (statuses {statuses}, "
              f"slowest {slowest:.1f} s)")
        proxy.relay_again()
        back = wait_until(lambda: report("静默之后")[0] == 201, 30)
        took = "never" if back is None else f"{back:.1f} s"
        check(back is not None, f"once it answers again reports are filed again ({took}; {len(proxy.held)} "
                                "connections begun while it was silent stay unanswered)")
        with ThreadPoolExecutor(8) as pool:
            after = list(pool.map(report, [f"静默之后 {i}" for i in range(16)]))
        late = sorted({f"{r[0]} {r[1]}"[:160] for r in after if r[0] != 201})
        check(not late, f"and every report after that is filed ({16 - len(late)} of 16; {late})")
    finally:
        server.stop()
        proxy.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=".build/debug/courtyard")
    p.add_argument("--port", type=int, default=18085)
    p.add_argument("--database-url")
    p.add_argument("--pg-stop", help="shell command that stops the PostgreSQL server")
    p.add_argument("--pg-start", help="shell command that starts it again")
    args = p.parse_args()
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="courtyard-faults-")
    try:
        clean = import_killed(binary, work)
        backup_restore(binary, work, clean, args.port)
        full_disk(binary, work, args.port)
        ballots_through_a_crash(binary, work, args.port)
        if args.database_url and args.pg_stop and args.pg_start:
            def on_postgres(db_url):
                postgres_restart(binary, work, args.port, db_url, args.pg_stop, args.pg_start)
                postgres_silent(binary, work, args.port, db_url)
            with_postgres_database(args.database_url, on_postgres)
    finally:
        if failures:
            for root, _, files in os.walk(work):
                for f in files:
                    if f.endswith(".log"):
                        print(f"--- {f} (last lines)")
                        print("".join(open(os.path.join(root, f), errors="replace").readlines()[-20:]))
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)
    print("the faults lost nothing", flush=True)


if __name__ == "__main__":
    main()
