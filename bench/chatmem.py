#!/usr/bin/env python3
"""Chat memory scenario (issue 8, item 3): how much one user can make the
server hold, and how large get-chats answers are next to what is stored.

Starts `BIN serve` on a fresh data directory, signs an account up through
/signup, activates it with `BIN users activate`, appends chat messages, reads
get-chats once (answer bytes, ratio to the stored text, peak RSS), then has
READERS clients read get-chats at RATE bytes/s for SECONDS seconds at once
and reports the peak RSS (VmHWM) of the server process.

Standard library only. Example (the issue's scenario):

    go build -o /tmp/gh ./cmd/gatehouse
    python3 bench/chatmem.py --bin /tmp/gh --calls 40 --chars 100000 --char '‹'

The largest answer the default quotas allow: messages as large as allowed
(131072 quotes are 256 KiB of JSON text), 15 to a session, until the account
is full:

    python3 bench/chatmem.py --bin /tmp/gh --fill --chars 131072 --char '"' --per-session 15
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def post(base, path, body, token=None, timeout=600):
    data = json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(base + path, data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("x-access-tokens", token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def slow_read(host, port, token, rate, seconds, out, i):
    """Reads get-chats at rate bytes/s for at most seconds; records bytes read."""
    s = socket.create_connection((host, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
    body = b"{}"
    s.sendall(b"POST /user/get-chats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"x-access-tokens: " + token.encode() + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n" + body)
    got, start = 0, time.monotonic()
    chunk = max(rate // 20, 1)
    while time.monotonic() - start < seconds:
        b = s.recv(chunk)
        if not b:
            break
        got += len(b)
        ahead = got / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    s.close()
    out[i] = got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--calls", type=int, default=40, help="append-chat calls (without --fill)")
    ap.add_argument("--chars", type=int, default=100000, help="characters per message")
    ap.add_argument("--char", default="\u2039", help="the character messages repeat")
    ap.add_argument("--per-session", type=int, default=1, help="messages per session (a new session after that many)")
    ap.add_argument("--fill", action="store_true", help="append until the server refuses (account full)")
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--rate", type=int, default=64 << 10, help="bytes/s per slow reader")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    a = ap.parse_args()

    data = tempfile.mkdtemp(prefix="chatmem-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, GATEHOUSE_DATA=data)
    for kv in a.env:
        k, v = kv.split("=", 1)
        env[k] = v
    srv = subprocess.Popen([a.bin, "serve", "--addr", f"127.0.0.1:{port}", "--log-format", "text"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        email = "mem@example.com"
        st, b = post(base, "/signup", {"email": email, "password": "examplepassword", "confirm_password": "examplepassword"})
        assert st == 200, (st, b)
        key = json.loads(b)["api_key"]
        subprocess.run([a.bin, "users", "activate", email], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        st, b = post(base, "/user/get-token-with-api-key", {"email": email, "api_key": key})
        assert st == 200, (st, b)
        token = json.loads(b)["response"]["access_token"]

        rss0 = proc_kb(srv.pid, "VmRSS")
        msg = a.char * a.chars
        stored = 0
        accepted = 0
        statuses = {}
        sid, in_session = None, 0
        calls = 0
        last_refusal = None
        t0 = time.monotonic()
        while a.fill or calls < a.calls:
            body = {"message": msg}
            if sid is not None and in_session < a.per_session:
                body["session_id"] = sid
            else:
                sid, in_session = None, 0
            st, b = post(base, "/user/append-chat", body, token)
            calls += 1
            statuses[st] = statuses.get(st, 0) + 1
            if st == 200:
                accepted += 1
                stored += len(msg.encode())
                sid, in_session = json.loads(b)["response"]["session_id"], in_session + 1
                continue
            last_refusal = b[:200].decode(errors="replace")
            if a.fill and "session is full" in last_refusal and in_session > 0:
                sid = None  # start a new session
                continue
            if a.fill:
                break
        append_s = time.monotonic() - t0
        rss_appends = proc_kb(srv.pid, "VmHWM")

        t0 = time.monotonic()
        st, b = post(base, "/user/get-chats", {}, token)
        get_s = time.monotonic() - t0
        assert st == 200, (st, b[:200])
        answer = len(b)
        hwm_one = proc_kb(srv.pid, "VmHWM")

        got = [0] * a.readers
        peak_rss = 0
        ts = [threading.Thread(target=slow_read, args=("127.0.0.1", port, token, a.rate, a.seconds, got, i))
              for i in range(a.readers)]
        for t in ts:
            t.start()
        while any(t.is_alive() for t in ts):
            peak_rss = max(peak_rss, proc_kb(srv.pid, "VmRSS"))
            time.sleep(0.05)
        hwm_slow = proc_kb(srv.pid, "VmHWM")

        out = {
            "bin": a.bin, "char": a.char, "chars_per_message": a.chars,
            "append_calls": calls, "accepted": accepted, "statuses": statuses,
            "stored_text_bytes": stored, "append_seconds": round(append_s, 2),
            "get_chats_answer_bytes": answer, "ratio": round(answer / max(stored, 1), 3),
            "get_chats_seconds": round(get_s, 2),
            "rss_idle_kb": rss0, "hwm_after_appends_kb": rss_appends,
            "hwm_after_one_get_chats_kb": hwm_one,
            "slow_readers": a.readers, "slow_rate": a.rate, "slow_seconds": a.seconds,
            "slow_bytes_read": got, "peak_rss_during_slow_kb": peak_rss, "hwm_after_slow_kb": hwm_slow,
        }
        if last_refusal:
            out["last_refusal"] = last_refusal
        print(json.dumps(out, ensure_ascii=False, indent=1))
    finally:
        srv.terminate()
        try:
            srv.wait(timeout=20)
        except subprocess.TimeoutExpired:
            srv.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
