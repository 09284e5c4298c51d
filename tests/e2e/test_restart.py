#!/usr/bin/env python3
"""Durability: a restart on the same data dir keeps the functions (after SIGTERM and after
SIGKILL: everything acknowledged survives)."""
import base64
import http.client
import json
import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ROLE, InvokeResult, StratusServer, function_arn, main, make_zip,  # noqa: E402
                     raw_request, sha256_b64, unique_name)

COUNTER = """
let count = 0;
exports.handler = async (event) => {
  if (event.spin) { while (true) {} }
  count += 1;
  return { count, tag: '%s', env: process.env.MY_VAR || null };
};
"""


def code(tag):
    return make_zip({"index.js": COUNTER % tag})


def comparable(conf):
    return {k: v for k, v in conf.items() if k != "ResponseMetadata"}


class RestartTest(unittest.TestCase):
    """Each test owns a server and its data dir; they are stopped and removed even on failure."""

    def setUp(self):
        self.server = StratusServer()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.lam = self.server.client()

    def restart(self, kill=False):
        self.server.restart(kill=kill)
        self.lam = self.server.client()

    def create(self, name=None, tag="v1", **kw):
        name = name or unique_name("dur")
        params = dict(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                      Code={"ZipFile": code(tag)})
        params.update(kw)
        return name, self.lam.create_function(**params)

    def invoke(self, name, payload=b"{}", client=None):
        r = InvokeResult((client or self.lam).invoke(FunctionName=name, Payload=payload))
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        return r.json()

    def names(self):
        out, marker = [], None
        for _ in range(100):
            page = self.lam.list_functions(**({"Marker": marker} if marker else {}))
            out += [f["FunctionName"] for f in page["Functions"]]
            marker = page.get("NextMarker")
            if not marker:
                break
        return sorted(out)

    def assertGone(self, name):
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function(FunctionName=name)

    # -- graceful restart -------------------------------------------------------------------

    def test_sigterm_restart_keeps_everything(self):
        a, _ = self.create(Environment={"Variables": {"MY_VAR": "kept"}}, Timeout=7,
                           MemorySize=256, Description="function a", Tags={"team": "core"})
        b, _ = self.create()
        c, _ = self.create()
        self.lam.update_function_code(FunctionName=b, ZipFile=code("v2"))
        self.lam.update_function_configuration(FunctionName=b, Description="updated b")
        self.lam.delete_function(FunctionName=c)
        self.lam.tag_resource(Resource=function_arn(a), Tags={"extra": "1"})
        self.assertEqual(self.invoke(a)["count"], 1)
        before = {n: comparable(self.lam.get_function_configuration(FunctionName=n)) for n in (a, b)}

        rc = self.server.stop()
        self.assertFalse(self.server.last_stop_forced, "SIGTERM did not stop the server in time")
        self.assertEqual(rc, 0, "exit code after SIGTERM")
        self.server.proc = None
        self.server.start()
        self.lam = self.server.client()
        self.assertEqual(self.server.function_count_at_start, 2, self.server.banner)
        self.assertIn("2 functions", self.server.banner)
        self.assertIn(self.server.data_dir, self.server.banner)

        self.assertEqual(self.names(), sorted([a, b]))
        for n in (a, b):
            after = comparable(self.lam.get_function_configuration(FunctionName=n))
            self.assertEqual(after, before[n], n)
        self.assertGone(c)
        self.assertEqual(self.lam.list_tags(Resource=function_arn(a))["Tags"],
                         {"team": "core", "extra": "1"})
        g = self.lam.get_function(FunctionName=b)
        self.assertEqual(g["Configuration"]["CodeSha256"], sha256_b64(code("v2")))
        loc = urllib.parse.urlsplit(g["Code"]["Location"])
        self.assertEqual(loc.port, self.server.port)
        zr = raw_request(self.server.port, "GET", loc.path)
        self.assertEqual(zr.body, code("v2"))
        # A fresh process: module state starts over; code and configuration are the saved ones.
        self.assertEqual(self.invoke(a), {"count": 1, "tag": "v1", "env": "kept"})
        self.assertEqual(self.invoke(b), {"count": 1, "tag": "v2", "env": None})
        s = self.lam.get_account_settings()
        self.assertEqual(s["AccountUsage"]["FunctionCount"], 2)
        # The restarted server accepts new work on the same data dir.
        d, _ = self.create()
        self.assertEqual(self.invoke(d)["count"], 1)

    def test_two_restarts(self):
        a, _ = self.create()
        self.restart()
        self.lam.update_function_code(FunctionName=a, ZipFile=code("second"))
        self.restart()
        self.assertEqual(self.invoke(a)["tag"], "second")
        self.assertEqual(self.server.function_count_at_start, 1)

    # -- crashes: SIGKILL right after an acknowledged change -------------------------------

    def test_sigkill_right_after_create(self):
        name, created = self.create()
        self.server.kill()
        self.restart()
        self.assertEqual(self.server.function_count_at_start, 1, self.server.banner)
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["CodeSha256"], created["CodeSha256"])
        self.assertEqual(g["CodeSize"], created["CodeSize"])
        self.assertEqual(g["State"], "Active")
        self.assertEqual(self.invoke(name)["tag"], "v1")

    def test_sigkill_right_after_update_code(self):
        name, _ = self.create()
        self.invoke(name)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v2"))
        self.server.kill()
        self.restart()
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["CodeSha256"],
                         sha256_b64(code("v2")))
        self.assertEqual(self.invoke(name)["tag"], "v2")

    def test_sigkill_right_after_update_configuration(self):
        name, _ = self.create()
        u = self.lam.update_function_configuration(FunctionName=name, Timeout=11,
                                                   Environment={"Variables": {"MY_VAR": "after"}})
        self.server.kill()
        self.restart()
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["Timeout"], 11)
        self.assertEqual(g["Environment"], {"Variables": {"MY_VAR": "after"}})
        self.assertEqual(g["LastModified"], u["LastModified"])
        self.assertEqual(self.invoke(name)["env"], "after")

    def test_sigkill_right_after_delete(self):
        keep, _ = self.create()
        gone, _ = self.create()
        self.lam.delete_function(FunctionName=gone)
        self.server.kill()
        self.restart()
        self.assertGone(gone)
        self.assertEqual(self.names(), [keep])

    def test_sigkill_right_after_tagging(self):
        name, _ = self.create()
        self.lam.tag_resource(Resource=function_arn(name), Tags={"a": "1", "b": "2"})
        self.lam.untag_resource(Resource=function_arn(name), TagKeys=["a"])
        self.server.kill()
        self.restart()
        self.assertEqual(self.lam.list_tags(Resource=function_arn(name))["Tags"], {"b": "2"})

    def test_sigkill_after_a_burst_of_creates(self):
        names = [self.create()[0] for _ in range(20)]
        self.server.kill()
        self.restart()
        self.assertEqual(self.server.function_count_at_start, 20, self.server.banner)
        self.assertEqual(self.names(), sorted(names))
        self.assertEqual(self.invoke(names[-1])["tag"], "v1")

    def test_sigkill_while_creates_are_in_flight(self):
        # Creates racing with the kill: each one either was acknowledged (and must survive)
        # or was not (and may or may not exist, but must be whole if it does).
        acked, lock = [], threading.Lock()
        stop = threading.Event()
        client = self.server.client()

        def creator():
            for i in range(200):
                if stop.is_set():
                    return
                name = unique_name("race")
                try:
                    client.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                           Handler="index.handler", Code={"ZipFile": code("race")})
                except Exception:
                    return
                with lock:
                    acked.append(name)

        th = threading.Thread(target=creator, daemon=True)
        th.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= 5:
                    break
            time.sleep(0.01)
        self.server.kill()
        stop.set()
        th.join(timeout=30)
        with lock:
            acked_now = list(acked)
        self.assertGreaterEqual(len(acked_now), 5)
        self.restart()
        present = set(self.names())
        self.assertTrue(set(acked_now).issubset(present), set(acked_now) - present)
        for name in present:
            self.assertEqual(self.invoke(name)["tag"], "race", name)

    def test_sigkill_during_a_flood_of_concurrent_creates(self):
        # Many clients at once, so commits are grouped; SIGKILL lands while groups are in
        # flight. Every create answered 201 was committed before its answer: all survive.
        acked, lock = [], threading.Lock()
        stop = threading.Event()
        body = json.dumps({"FunctionName": "", "Runtime": "nodejs20.x", "Role": ROLE,
                           "Handler": "index.handler",
                           "Code": {"ZipFile": base64.b64encode(code("flood")).decode()}})

        def creator():
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
            while not stop.is_set():
                name = unique_name("flood")
                try:
                    conn.request("POST", "/2015-03-31/functions",
                                 body.replace('"FunctionName": ""', '"FunctionName": "%s"' % name),
                                 {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    r.read()
                except Exception:
                    return
                if r.status == 201:
                    with lock:
                        acked.append(name)

        threads = [threading.Thread(target=creator, daemon=True) for _ in range(16)]
        for th in threads:
            th.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= 300:
                    break
            time.sleep(0.005)
        self.server.kill()
        stop.set()
        for th in threads:
            th.join(timeout=30)
        with lock:
            acked_now = list(acked)
        self.assertGreaterEqual(len(acked_now), 300)
        self.restart()
        present = set(self.names())
        self.assertTrue(set(acked_now).issubset(present), sorted(set(acked_now) - present)[:10])
        self.assertEqual(self.server.function_count_at_start, len(present))
        for name in acked_now[-3:]:
            self.assertEqual(self.invoke(name)["tag"], "flood", name)

    def test_sigkill_during_a_running_invocation(self):
        name, _ = self.create(Timeout=60)
        box = {}
        client = self.server.client(read_timeout=30)

        def spin():
            try:
                client.invoke(FunctionName=name, Payload=b'{"spin": true}')
            except Exception as e:
                box["error"] = e

        th = threading.Thread(target=spin, daemon=True)
        th.start()
        time.sleep(0.5)
        self.server.kill()
        th.join(timeout=30)
        self.assertFalse(th.is_alive())
        self.restart()
        self.assertEqual(self.invoke(name)["count"], 1)

    def test_sigterm_while_javascript_spins(self):
        # SIGTERM must stop the server promptly even while a handler never yields.
        name, _ = self.create(Timeout=900)
        client = self.server.client(read_timeout=30)
        th = threading.Thread(target=lambda: self._swallow(client.invoke, FunctionName=name,
                                                           Payload=b'{"spin": true}'),
                              daemon=True)
        th.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        self.server.stop(grace=5)
        self.assertFalse(self.server.last_stop_forced, "SIGTERM did not stop the server within 5 s")
        self.assertLess(time.monotonic() - t0, 5.5)
        th.join(timeout=30)
        self.server.proc = None
        self.server.start()
        self.lam = self.server.client()
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["Timeout"], 900)

    @staticmethod
    def _swallow(fn, **kw):
        try:
            fn(**kw)
        except Exception:
            pass

    def test_two_servers_do_not_share_state(self):
        other = StratusServer()
        self.addCleanup(other.cleanup)
        other.start()
        name, _ = self.create()
        other_lam = other.client()
        with self.assertRaises(other_lam.exceptions.ResourceNotFoundException):
            other_lam.get_function(FunctionName=name)
        self.assertNotEqual(other.data_dir, self.server.data_dir)
        self.assertNotEqual(other.port, self.server.port)


if __name__ == "__main__":
    main()
