#!/usr/bin/env python3
"""Connections: the cap on open connections (--max-connections) and the header deadline
(--header-timeout-ms). A flood of idle connections must not lock new clients out, a slowloris
(headers dribbled a byte a second) is cut at its deadline, and while the cap is full of
slow connections a new client waits in the listen backlog (the server not spinning) and is
served once they are cut."""
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import StratusTestCase, log, main, raw_request  # noqa: E402

CAP = 50
HEADER_TIMEOUT_MS = 2000
WAIT_S = 30  # any single bounded wait below


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_server(s):
    """True if the server closed `s` (EOF or reset), reading whatever it sent first."""
    try:
        s.setblocking(False)
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Slowloris:
    """`count` connections that send a request line and then one header byte a second, never
    finishing; each records whether the server answered 408 before closing it."""

    def __init__(self, port, count):
        self.sockets = []
        for _ in range(count):
            s = connect(port)
            s.sendall(b"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            self.sockets.append(s)
        self.answers = [b""] * count
        self.closed = [False] * count
        self.closed_at = [None] * count
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dribble, daemon=True)
        self._thread.start()

    def _dribble(self):
        for _ in range(WAIT_S):  # at most WAIT_S bytes each, one a second
            if self._stop.wait(1.0):
                return
            for i, s in enumerate(self.sockets):
                if self.closed[i]:
                    continue
                try:
                    s.sendall(b"a")
                except OSError:
                    pass
                self.poll(i)
            if all(self.closed):
                return

    def poll(self, i):
        if self.closed[i]:
            return
        s = self.sockets[i]
        try:
            s.setblocking(False)
            while True:
                data = s.recv(65536)
                if not data:
                    self.closed[i] = True
                    break
                self.answers[i] += data
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.closed[i] = True
        finally:
            try:
                s.setblocking(True)
            except OSError:
                pass
        if self.closed[i] and self.closed_at[i] is None:
            self.closed_at[i] = time.monotonic()

    def wait_all_closed(self):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and not all(self.closed):
            for i in range(len(self.sockets)):
                self.poll(i)
            time.sleep(0.1)
        return all(self.closed)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for s in self.sockets:
            s.close()


class ConnectionsTest(StratusTestCase):
    server_args = ["--max-connections", str(CAP), "--header-timeout-ms", str(HEADER_TIMEOUT_MS)]

    def test_an_idle_flood_does_not_lock_new_clients_out(self):
        flood = []
        self.addCleanup(lambda: [s.close() for s in flood])
        for _ in range(4 * CAP):  # 200 connections that never send a byte
            flood.append(connect(self.server.port))
        # A new, well-behaved client is served: idle connections make room for it.
        r = raw_request(self.server.port, "GET", "/2015-03-31/functions/", timeout=WAIT_S)
        self.assertEqual(r.status, 200, r)
        self.assertIn("Functions", self.lam.list_functions())
        # All but at most CAP of the flood were closed to make that room.
        deadline = time.monotonic() + WAIT_S
        closed = 0
        while time.monotonic() < deadline:
            closed = sum(1 for s in flood if closed_by_server(s))
            if closed >= len(flood) - CAP:
                break
            time.sleep(0.1)
        self.assertGreaterEqual(closed, len(flood) - CAP)
        self.assertLess(closed, len(flood) + 1)

    def test_a_slowloris_is_cut_at_its_deadline_while_others_are_served(self):
        slow = Slowloris(self.server.port, 10)
        self.addCleanup(slow.stop)
        # Others are served while the slow ones dribble (well under the cap).
        for _ in range(3):
            self.assertIn("Functions", self.lam.list_functions())
            self.assertEqual(raw_request(self.server.port, "GET", "/_stratus/health").status, 200)
        self.assertTrue(slow.wait_all_closed(), "slowloris connections not closed in %d s" % WAIT_S)
        for i, answer in enumerate(slow.answers):
            self.assertTrue(answer.startswith(b"HTTP/1.1 408 "), (i, answer[:200]))
            self.assertIn(b"Request headers not received in time", answer)
            # Not before its deadline: it had sent bytes within every second.
            self.assertGreaterEqual(slow.closed_at[i] - slow.started, HEADER_TIMEOUT_MS / 1000.0)
        self.assertTrue(self.server.alive())

    def test_at_a_cap_full_of_slow_connections_a_new_client_waits_and_is_served(self):
        slow = Slowloris(self.server.port, CAP)  # every slot busy with a request in progress
        self.addCleanup(slow.stop)
        # Let the server read each one's first bytes: a connection it has not read from yet is
        # idle, and an idle one makes room for the new client at once (which is right, but not
        # what this test is about).
        time.sleep(0.5)
        cpu_before = cpu_seconds(self.server.pid)
        wall_before = time.monotonic()
        # The new client connects (the kernel's backlog holds it) and sends its request at once.
        r = raw_request(self.server.port, "GET", "/_stratus/health", timeout=WAIT_S)
        wall = time.monotonic() - wall_before
        cpu = cpu_seconds(self.server.pid) - cpu_before
        self.assertEqual(r.status, 200, r)
        log("cap full of %d slowloris: new client answered after %.2f s; server CPU meanwhile "
            "%.3f s" % (CAP, wall, cpu))
        # It was answered only once the slow ones were cut at their deadline (counted from
        # their first bytes)...
        self.assertGreaterEqual(time.monotonic() - slow.started, HEADER_TIMEOUT_MS / 1000.0 - 0.25)
        self.assertTrue(slow.wait_all_closed())
        self.assertTrue(all(a.startswith(b"HTTP/1.1 408 ") for a in slow.answers))
        # ...and the server did not spin while accepting was paused (a busy loop burns ~wall).
        self.assertLess(cpu, wall / 2, "server used %.2f s of CPU in %.2f s paused" % (cpu, wall))
        # Accepting resumed for everyone.
        self.assertIn("Functions", self.lam.list_functions())


if __name__ == "__main__":
    main()
