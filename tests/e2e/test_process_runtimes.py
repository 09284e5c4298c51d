#!/usr/bin/env python3
"""The process tier: every function's runtime as a jailed process on the host (LAMBDA.md §5-§8).

Custom runtimes (provided.al2023) as a shell bootstrap on curl and as a C program on plain
sockets; python3.12 on the host's python3 through runtime/clients/python; nodejs20.x on the
host's node through runtime/clients/node, with the real Node built-ins (crypto, fs, zlib,
streams, child_process, fetch, https) and the runtime-provided AWS SDK v3 calling back into the
server. Then what the jail promises: read-only code and system directories, its own pid
namespace, uid and /tmp, nothing of the host's files or environment, cgroup memory limits (an
out-of-memory kill is Runtime.OutOfMemory), and a timeout that ends the whole process tree.
Last, the log shape of cold and warm starts, and the per-function switch back to the V8-isolate
tier (STRATUS_TIER=isolate, or the server's --node-tier isolate).

Skipped as a whole when the server binary has no process tier (`serve --help` lists no
--node-tier); single tests skip when the host lacks what they need (cc, openssl, the node SDK
in third_party/node-sdk, cgroup v1 memory), each with its reason.
"""
import http.server
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (CONSOLE_RE, ROLE, STRATUS_BIN, StratusTestCase, descendants,  # noqa: E402
                     function_arn, log, main, make_zip, unique_name)

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NODE_SDK_CLIENT = os.path.join(REPO, "third_party", "node-sdk", "node_modules", "@aws-sdk",
                               "client-lambda")
HOST_NODE = "/usr/bin/node"
PROVIDED = "provided.al2023"
INIT_START_NODE_RE = re.compile(
    r"^INIT_START Runtime Version: nodejs:20\.v\d+\tRuntime Version ARN: "
    r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$")
PY_LOG_RE = re.compile(r"^\[(?P<level>[A-Z]+)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t"
                       r"(?P<id>[^\t]*)\t(?P<msg>.*)$")
PROCESS_GONE_WITHIN_S = 3.0

_TIER_PROBE = None


def process_tier_available():
    """(True, "") when the binary has the process tier, else (False, why)."""
    global _TIER_PROBE
    if _TIER_PROBE is None:
        if not (os.path.isfile(STRATUS_BIN) and os.access(STRATUS_BIN, os.X_OK)):
            _TIER_PROBE = (False, "server binary not found: %s" % STRATUS_BIN)
        else:
            try:
                out = subprocess.run([STRATUS_BIN, "serve", "--help"], capture_output=True,
                                     timeout=20, stdin=subprocess.DEVNULL)
                text = (out.stdout + out.stderr).decode("utf-8", "replace")
                _TIER_PROBE = ((True, "") if "--node-tier" in text else
                               (False, "%s has no process tier (serve --help lists no "
                                       "--node-tier)" % STRATUS_BIN))
            except (OSError, subprocess.TimeoutExpired) as e:
                _TIER_PROBE = (False, "cannot run %s serve --help: %r" % (STRATUS_BIN, e))
    return _TIER_PROBE


def skip(reason):
    log("SKIP: " + reason)
    raise unittest.SkipTest(reason)


def processes_with(marker):
    """Host processes whose argv contains `marker`: [(pid, argv)]."""
    needle = marker.encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if needle in cmdline:
            found.append((int(entry), cmdline.replace(b"\0", b" ").decode("utf-8", "replace")))
    return found


def lines_between_start_and_end(r):
    lines = r.log_lines()
    i_start = next(i for i, l in enumerate(lines) if l.startswith("START RequestId: "))
    i_end = lines.index("END RequestId: %s" % r.request_id)
    return lines[i_start + 1:i_end]


class ProcessTierCase(StratusTestCase):
    """A server per class, only when the binary has the process tier."""

    @classmethod
    def setUpClass(cls):
        ok, why = process_tier_available()
        if not ok:
            skip(why)
        super().setUpClass()

    # -- shared assertions --------------------------------------------------------------------

    def assertFunctionError(self, r, error_type=None):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.headers.get("x-amz-function-error"), "Unhandled", r)
        body = r.json()
        if error_type is not None:
            self.assertEqual(body.get("errorType"), error_type, body)
        return body

    def assertTimedOut(self, r, seconds="1.00"):
        body = self.assertFunctionError(r, "Sandbox.Timedout")
        self.assertEqual(body.get("errorMessage"),
                         "RequestId: %s Error: Task timed out after %s seconds"
                         % (r.request_id, seconds), body)
        m = r.report()
        self.assertIsNotNone(m, r.log)
        self.assertEqual(m.group("status"), "timeout", r.log)
        return body

    def assertCold(self, r):
        m = r.report()
        self.assertIsNotNone(m, "no REPORT line in %r" % r.log)
        self.assertEqual(m.group("id"), r.request_id)
        self.assertIsNotNone(m.group("init"), "a cold start reports Init Duration: %r" % r.log)
        return m

    def assertWarm(self, r):
        m = r.report()
        self.assertIsNotNone(m, "no REPORT line in %r" % r.log)
        self.assertEqual(m.group("id"), r.request_id)
        self.assertIsNone(m.group("init"), "a warm start reports no Init Duration: %r" % r.log)
        self.assertFalse(any(l.startswith("INIT_START") for l in r.log_lines()), r.log)
        return m


# ------------------------------------------------------------------------------------------
# Custom runtimes (provided.al2023)
# ------------------------------------------------------------------------------------------

SHELL_BOOTSTRAP = r"""#!/bin/sh
# A custom runtime in shell: the Runtime API loop on curl (LAMBDA.md §8). The task root is
# read-only, so scratch files go to /tmp.
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
echo "shell bootstrap up, handler ${_HANDLER}"
while true; do
  EVENT=$(curl -sS -D /tmp/headers "$API/invocation/next")
  REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d: -f2 | tr -d ' \r\n')
  DEADLINE=$(grep -i '^Lambda-Runtime-Deadline-Ms:' /tmp/headers | cut -d: -f2 | tr -d ' \r\n')
  ARN=$(grep -i '^Lambda-Runtime-Invoked-Function-Arn:' /tmp/headers | cut -d: -f2- | tr -d ' \r\n')
  echo "shell handling ${REQUEST_ID}"
  case "$EVENT" in
    *fail*)
      curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Function.ShellError' \
        --data-binary '{"errorMessage":"shell says no","errorType":"ShellError","stackTrace":["bootstrap: line 14"]}' \
        "$API/invocation/${REQUEST_ID}/error"
      ;;
    *)
      UPPER=$(printf '%s' "$EVENT" | tr 'a-z' 'A-Z')
      printf '{"requestId":"%s","deadlineMs":%s,"arn":"%s","handler":"%s","upper":%s}' \
        "$REQUEST_ID" "$DEADLINE" "$ARN" "$_HANDLER" "$UPPER" > /tmp/response
      curl -sS -o /dev/null -X POST --data-binary @/tmp/response \
        "$API/invocation/${REQUEST_ID}/response"
      ;;
  esac
done
"""

SHELL_ERROR_BODY = (b'{"errorMessage":"shell says no","errorType":"ShellError",'
                    b'"stackTrace":["bootstrap: line 14"]}')

C_BOOTSTRAP = r"""
/* A custom runtime in C on plain sockets: GET /next, POST the event back as the response. One
   connection per request (Connection: close); bodies framed by Content-Length, or chunked, or
   by the peer closing. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char host[256], port[16];

static void die(const char *what) { fprintf(stderr, "c bootstrap: %s\n", what); exit(2); }

static int dial(void) {
  struct addrinfo hints, *res, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) die("getaddrinfo");
  int fd = -1;
  for (ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) die("connect");
  return fd;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, 0);
    if (w <= 0) die("send");
    p += w;
    n -= (size_t)w;
  }
}

/* Sends one request; returns the response body (malloc'd, NUL-terminated), its length in
   *body_len, the status in *status, and the request id header into rid (if not NULL). */
static char *exchange(const char *method, const char *path, const char *body, size_t len,
                      size_t *body_len, int *status, char *rid) {
  int fd = dial();
  char head[1024];
  int n = snprintf(head, sizeof head,
                   "%s %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                   method, path, host, port, len);
  send_all(fd, head, (size_t)n);
  if (len) send_all(fd, body, len);
  size_t cap = 1 << 16, got = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (got + 1 >= cap) { cap *= 2; buf = realloc(buf, cap); }
    ssize_t r = recv(fd, buf + got, cap - got - 1, 0);
    if (r < 0) die("recv");
    if (r == 0) break;
    got += (size_t)r;
    buf[got] = 0;
    char *end = strstr(buf, "\r\n\r\n");
    if (end) {
      /* Stop as soon as a Content-Length body is complete. */
      char *cl = NULL, *p;
      for (p = buf; p < end; p = strstr(p, "\r\n") + 2) {
        if (strncasecmp(p, "Content-Length:", 15) == 0) { cl = p + 15; break; }
      }
      if (cl && got >= (size_t)(end + 4 - buf) + (size_t)atol(cl)) break;
    }
  }
  close(fd);
  if (!buf || got == 0) die("empty response");
  buf[got] = 0;
  char *end = strstr(buf, "\r\n\r\n");
  if (!end) die("no header end");
  *end = 0;
  char *payload = end + 4;
  size_t payload_len = got - (size_t)(payload - buf);
  *status = atoi(buf + 9);
  int chunked = 0;
  char *line = strstr(buf, "\r\n");
  while (line) {
    line += 2;
    char *eol = strstr(line, "\r\n");
    if (eol) *eol = 0;
    if (strncasecmp(line, "Content-Length:", 15) == 0) {
      size_t want = (size_t)atol(line + 15);
      if (want < payload_len) payload_len = want;
    } else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line, "chunked")) {
      chunked = 1;
    } else if (rid && strncasecmp(line, "Lambda-Runtime-Aws-Request-Id:", 30) == 0) {
      const char *v = line + 30;
      while (*v == ' ') v++;
      snprintf(rid, 128, "%s", v);
    }
    line = eol;
  }
  char *out = malloc(payload_len + 1);
  size_t out_len = 0;
  if (chunked) {
    char *p = payload, *stop = payload + payload_len;
    while (p < stop) {
      size_t size = strtoul(p, NULL, 16);
      char *data = strstr(p, "\r\n");
      if (!data || size == 0) break;
      data += 2;
      memcpy(out + out_len, data, size);
      out_len += size;
      p = data + size + 2;
    }
  } else {
    memcpy(out, payload, payload_len);
    out_len = payload_len;
  }
  out[out_len] = 0;
  free(buf);
  *body_len = out_len;
  return out;
}

int main(void) {
  const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api) die("no AWS_LAMBDA_RUNTIME_API");
  const char *colon = strrchr(api, ':');
  if (!colon || (size_t)(colon - api) >= sizeof host) die("bad AWS_LAMBDA_RUNTIME_API");
  memcpy(host, api, (size_t)(colon - api));
  host[colon - api] = 0;
  snprintf(port, sizeof port, "%s", colon + 1);
  printf("c bootstrap up\n");
  fflush(stdout);
  for (;;) {
    char rid[128] = "";
    size_t event_len, answer_len;
    int status;
    char *event = exchange("GET", "/2018-06-01/runtime/invocation/next", NULL, 0, &event_len,
                           &status, rid);
    if (status != 200 || !rid[0]) die("bad /next");
    printf("c handling %s (%zu bytes)\n", rid, event_len);
    fflush(stdout);
    char path[256];
    snprintf(path, sizeof path, "/2018-06-01/runtime/invocation/%s/response", rid);
    free(exchange("POST", path, event, event_len, &answer_len, &status, NULL));
    if (status != 202) fprintf(stderr, "c bootstrap: response got %d\n", status);
    free(event);
  }
}
"""

LAYER_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  EVENT=$(curl -sS -D /tmp/headers "$API/invocation/next")
  REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d: -f2 | tr -d ' \\r\\n')
  printf '{"from":"opt","task":"%s","event":%s}' "$(cat /var/task/data.txt)" "$EVENT" > /tmp/response
  curl -sS -o /dev/null -X POST --data-binary @/tmp/response "$API/invocation/${REQUEST_ID}/response"
done
"""


class ProvidedRuntimeTest(ProcessTierCase):

    def test_shell_bootstrap_with_curl(self):
        if not shutil.which("curl"):
            skip("no curl on the host")
        name, _, _ = self.create_function(
            runtime=PROVIDED, handler="function.handler", Timeout=10,
            zip_bytes=make_zip({"bootstrap": SHELL_BOOTSTRAP}, executables=["bootstrap"]))
        t0 = time.time()
        r = self.invoke(name, {"msg": "hello world", "n": [1, 2]})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        out = r.json()
        self.assertEqual(out["upper"], {"MSG": "HELLO WORLD", "N": [1, 2]}, out)
        self.assertEqual(out["requestId"], r.request_id)
        self.assertEqual(out["handler"], "function.handler")
        self.assertEqual(out["arn"], function_arn(name))
        # Lambda-Runtime-Deadline-Ms: epoch ms of the 10 s timeout.
        self.assertLess(abs(out["deadlineMs"] - (t0 + 10) * 1000), 5000, out)
        self.assertCold(r)
        self.assertIn("shell bootstrap up, handler function.handler", r.log)
        self.assertIn("shell handling %s" % r.request_id, lines_between_start_and_end(r))
        # The same process serves the next event: warm.
        r2 = self.invoke(name, {"msg": "again"})
        self.assertEqual(r2.json()["upper"], {"MSG": "AGAIN"})
        self.assertEqual(r2.json()["requestId"], r2.request_id)
        self.assertWarm(r2)
        # /error: Unhandled, the posted body verbatim as the payload.
        r3 = self.invoke(name, {"action": "fail"})
        self.assertEqual(r3.status, 200, r3)
        self.assertEqual(r3.function_error, "Unhandled", r3)
        self.assertEqual(r3.body, SHELL_ERROR_BODY)
        self.assertIsNotNone(r3.report(), r3.log)
        # The runtime reported an error but lives on: the same environment, warm.
        r4 = self.invoke(name, {"k": "v"})
        self.assertEqual(r4.json()["upper"], {"K": "V"}, r4)
        self.assertWarm(r4)
        self.assertTrue(any(l.startswith("INIT_START Runtime Version: provided:al2023.v")
                            for l in r.log_lines()), r.log)

    def test_compiled_c_bootstrap(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            skip("no C compiler (cc) on the host")
        tmp = tempfile.mkdtemp(prefix="stratus-e2e-cboot-")
        self.addCleanup(shutil.rmtree, tmp, True)
        src = os.path.join(tmp, "bootstrap.c")
        exe = os.path.join(tmp, "bootstrap")
        with open(src, "w") as f:
            f.write(C_BOOTSTRAP)
        proc = subprocess.run([cc, "-O1", "-Wall", "-o", exe, src], capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode("utf-8", "replace"))
        with open(exe, "rb") as f:
            binary = f.read()
        name, _, _ = self.create_function(
            runtime=PROVIDED, handler="unused.handler", Timeout=10,
            zip_bytes=make_zip({"bootstrap": binary}, executables=["bootstrap"]))
        payload = json.dumps({"c": [1, 2, 3], "s": "h\u00e9llo", "nested": {"x": None}},
                             ensure_ascii=False).encode()
        r = self.invoke(name, raw_payload=payload)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.body, payload)
        self.assertCold(r)
        self.assertIn("c bootstrap up", r.log)
        self.assertIn("c handling %s (%d bytes)" % (r.request_id, len(payload)),
                      lines_between_start_and_end(r))
        big = json.dumps({"blob": "x" * 200000}).encode()
        r2 = self.invoke(name, raw_payload=big)
        self.assertEqual(r2.body, big)
        self.assertWarm(r2)

    def test_bootstrap_from_a_layer(self):
        if not shutil.which("curl"):
            skip("no curl on the host")
        try:
            layer = self.lam.publish_layer_version(
                LayerName=unique_name("bootlayer"),
                Content={"ZipFile": make_zip({"bootstrap": LAYER_BOOTSTRAP},
                                             executables=["bootstrap"])},
                CompatibleRuntimes=[PROVIDED])
        except ClientError as e:
            if e.response["Error"]["Code"] == "UnknownOperationException":
                skip("this server has no layers API (PublishLayerVersion), so no /opt/bootstrap")
            raise
        self.addCleanup(self._quiet_delete_layer, layer["LayerArn"].split(":")[-1],
                        layer["Version"])
        # No bootstrap in the function's zip: /opt/bootstrap runs.
        name, _, _ = self.create_function(
            runtime=PROVIDED, handler="x.handler", Timeout=10,
            files={"data.txt": "task data"}, Layers=[layer["LayerVersionArn"]])
        self.assertEqual(self.invoke_ok(name, {"a": 1}),
                         {"from": "opt", "task": "task data", "event": {"a": 1}})

    def _quiet_delete_layer(self, layer_name, version):
        try:
            self.lam.delete_layer_version(LayerName=layer_name, VersionNumber=version)
        except Exception:
            pass


# ------------------------------------------------------------------------------------------
# Python
# ------------------------------------------------------------------------------------------

PY_APP = '''
import json
import logging
import os
import sys
import time

COUNT = 0
LOADED = time.time()


def handler(event, context):
    global COUNT
    COUNT += 1
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "event": event,
        "count": COUNT,
        "functionName": context.function_name,
        "memory": context.memory_limit_in_mb,
        "requestId": context.aws_request_id,
        "remainingOk": 0 < context.get_remaining_time_in_millis() <= context_timeout_ms(),
        "file": __file__,
        "cwd": os.getcwd(),
        "executionEnv": os.environ.get("AWS_EXECUTION_ENV"),
        "python": "%d.%d" % sys.version_info[:2],
        "executable": sys.executable,
    }


def context_timeout_ms():
    return int(os.environ.get("TIMEOUT_MS", "3000"))


def fail(event, context):
    raise ValueError("bad thing %s" % event.get("n"))


def chatty(event, context):
    print("from print", event.get("n"))
    logging.getLogger().setLevel(logging.INFO)
    logging.info("from logging %s", event.get("n"))
    sys.stderr.write("from stderr\\n")
    return "chatted"


def sdk(event, context):
    import boto3
    import botocore
    client = boto3.client("lambda", endpoint_url=os.environ["AWS_ENDPOINT_URL_LAMBDA"])
    conf = client.get_function_configuration(FunctionName=context.function_name)
    return {"boto3": boto3.__version__, "botocore": botocore.__version__,
            "boto3File": boto3.__file__, "name": conf["FunctionName"],
            "runtime": conf["Runtime"]}
'''


PROBE_BOOTSTRAP = r"""#!/bin/sh
# Answers every event with what the runtime sees: cwd, uid, whether /var/task is writable, and
# its whole environment (sorted, one KEY=VALUE a line, as JSON string lines).
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  curl -sS -D /tmp/headers -o /dev/null "$API/invocation/next"
  REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d: -f2 | tr -d ' \r\n')
  if touch /var/task/probe 2>/dev/null; then RO=no; else RO=yes; fi
  { echo "cwd=$(pwd)"; echo "uid=$(id -u)"; echo "ro=$RO"; echo "ppid1=$PPID"; env | sort; } > /tmp/response
  curl -sS -o /dev/null -X POST --data-binary @/tmp/response "$API/invocation/${REQUEST_ID}/response"
done
"""

# Variables that differ between any two sandboxes or functions (names, credentials, ports).
PER_SANDBOX = ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
               "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
               "AWS_LAMBDA_RUNTIME_API", "_HANDLER")


def standin_pids(server_pid):
    """PIDs of the server's pooled custom-runtime stand-ins (descendants of the server)."""
    found = []
    for pid in descendants(server_pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read().split(b"\0")[0]
        except OSError:
            continue
        if cmd == b"/var/runtime/custom/stratus-custom-standin":
            found.append(pid)
    return sorted(found)


class PooledProvidedRuntimeTest(ProcessTierCase):
    """Custom runtimes claimed from the prewarm pool (a stand-in that execs the bootstrap) see
    what an unpooled one sees; a /tmp size other than the default is never pooled, so such a
    function is the unpooled reference on the same server."""
    server_args = ("--prewarm-processes", "2")

    def wait_for_standins(self, n):
        deadline = time.time() + 10
        for _ in range(200):
            pids = standin_pids(self.server.pid)
            if len(pids) >= n or time.time() > deadline:
                return pids
            time.sleep(0.05)
        return standin_pids(self.server.pid)

    def probe(self, **kwargs):
        name, _, _ = self.create_function(
            runtime=PROVIDED, handler="probe.handler", Timeout=10,
            zip_bytes=make_zip({"bootstrap": PROBE_BOOTSTRAP}, executables=["bootstrap"]), **kwargs)
        r = self.invoke(name, {})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertCold(r)
        return dict(line.split("=", 1) for line in r.body.decode().splitlines() if "=" in line)

    def test_pooled_shell_bootstrap_sees_what_an_unpooled_one_sees(self):
        if not shutil.which("curl"):
            skip("no curl on the host")
        before = self.wait_for_standins(2)
        self.assertEqual(len(before), 2, before)
        pooled = self.probe()
        # One stand-in became the bootstrap (it is no longer a stand-in), and the pool refills.
        after = self.wait_for_standins(2)
        self.assertEqual(len(after), 2, after)
        self.assertEqual(len(set(before) - set(after)), 1, (before, after))
        unpooled = self.probe(EphemeralStorage={"Size": 1024})
        for seen in (pooled, unpooled):
            self.assertEqual(seen["cwd"], "/var/task", seen)
            self.assertEqual(seen["ro"], "yes", seen)
            self.assertNotEqual(seen["uid"], "0", seen)
            self.assertNotEqual(seen["uid"], str(os.getuid()), seen)
            self.assertNotIn("STRATUS_PREWARM", seen)
        same = lambda env: {k: v for k, v in env.items()
                            if k not in PER_SANDBOX and k not in ("uid", "ppid1")
                            and not k.startswith("AWS_ENDPOINT_URL_")}
        self.assertEqual(same(pooled), same(unpooled))
        self.assertEqual(set(pooled) - {"ppid1"}, set(unpooled) - {"ppid1"})

    def test_pooled_compiled_c_bootstrap(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            skip("no C compiler (cc) on the host")
        tmp = tempfile.mkdtemp(prefix="stratus-e2e-cboot-")
        self.addCleanup(shutil.rmtree, tmp, True)
        src, exe = os.path.join(tmp, "bootstrap.c"), os.path.join(tmp, "bootstrap")
        with open(src, "w") as f:
            f.write(C_BOOTSTRAP)
        proc = subprocess.run([cc, "-O1", "-Wall", "-o", exe, src], capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode("utf-8", "replace"))
        with open(exe, "rb") as f:
            binary = f.read()
        before = self.wait_for_standins(2)
        self.assertEqual(len(before), 2, before)
        for memory in (128, 512):  # any memory size is pooled (a cgroup limit set at the claim)
            name, _, _ = self.create_function(
                runtime=PROVIDED, handler="unused.handler", Timeout=10, MemorySize=memory,
                zip_bytes=make_zip({"bootstrap": binary}, executables=["bootstrap"]))
            payload = json.dumps({"c": [1, 2, 3], "memory": memory}).encode()
            r = self.invoke(name, raw_payload=payload)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, payload)
            self.assertCold(r)
            self.assertIn("c bootstrap up", r.log)
            self.assertIsNotNone(r.report(), r.log)
            after = self.wait_for_standins(2)
            self.assertEqual(len(after), 2, after)
            self.assertEqual(len(set(before) - set(after)), 1, (before, after))
            before = after
            self.assertWarm(self.invoke(name, raw_payload=payload))


class PythonRuntimeTest(ProcessTierCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        host_python = subprocess.run(["/usr/bin/python3", "-c",
                                      "import sys; print('%d.%d' % sys.version_info[:2])"],
                                     capture_output=True, timeout=30)
        cls.host_python = host_python.stdout.decode().strip()

    def make(self, handler, **kwargs):
        return self.create_function(runtime="python3.12", handler=handler,
                                    files={"app.py": PY_APP}, **kwargs)[0]

    def test_handler_returns_dict(self):
        name = self.make("app.handler", Environment={"Variables": {"TIMEOUT_MS": "3000"}})
        r = self.invoke(name, {"a": [1, "two", None], "b": {"c": True}})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json(), {
            "event": {"a": [1, "two", None], "b": {"c": True}},
            "count": 1,
            "functionName": name,
            "memory": "128",  # the environment's string, as awslambdaric passes it
            "requestId": r.request_id,
            "remainingOk": True,
            "file": "/var/task/app.py",
            "cwd": "/var/task",
            "executionEnv": "AWS_Lambda_python3.12",
            "python": self.host_python,
            "executable": "/usr/bin/python3",
        })
        self.assertCold(r)
        # INIT_START names the interpreter that really runs (the host's), not the one asked for.
        served = "python:%s." % ".".join(self.host_python.split(".")[:2])
        self.assertTrue(any(l.startswith("INIT_START Runtime Version: " + served)
                            for l in r.log_lines()), r.log)
        r2 = self.invoke(name, {})
        self.assertEqual(r2.json()["count"], 2)
        self.assertWarm(r2)

    def test_exception(self):
        name = self.make("app.fail")
        r = self.invoke(name, {"n": 7})
        body = self.assertFunctionError(r, "ValueError")
        self.assertEqual(list(body), ["errorMessage", "errorType", "requestId", "stackTrace"], body)
        self.assertEqual(body["errorMessage"], "bad thing 7")
        self.assertEqual(body["requestId"], r.request_id)
        self.assertIsInstance(body["stackTrace"], list)
        self.assertTrue(body["stackTrace"], body)
        # Frames from the handler down; the runtime's own frames are cut off.
        self.assertIn('File "/var/task/app.py"', body["stackTrace"][0], body)
        self.assertIn("in fail", body["stackTrace"][-1], body)
        self.assertFalse(any("/var/runtime" in f for f in body["stackTrace"]), body)
        self.assertTrue(any(l.startswith("[ERROR] ValueError: bad thing 7") for l in r.log_lines()),
                        r.log)
        # A handled exception does not end the environment.
        r2 = self.invoke(name, {"n": 8})
        self.assertEqual(r2.json()["errorMessage"], "bad thing 8")
        self.assertWarm(r2)

    def test_timeout_then_fresh_environment(self):
        name = self.make("app.handler", Timeout=1)
        self.assertEqual(self.invoke_ok(name, {})["count"], 1)
        t0 = time.monotonic()
        r = self.invoke(name, {"sleep": 3})
        elapsed = time.monotonic() - t0
        self.assertTimedOut(r, "1.00")
        self.assertGreaterEqual(elapsed, 0.95)
        self.assertLess(elapsed, 2.9, "the timeout must cut the 3 s sleep short")
        self.assertRegex(r.log, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s Task timed out "
                                r"after 1\.\d\d seconds$" % re.escape(r.request_id))
        r2 = self.invoke(name, {})
        self.assertEqual(r2.status, 200, r2)
        self.assertIsNone(r2.function_error, r2)
        self.assertEqual(r2.json()["count"], 1, "the timed-out environment must be discarded")
        self.assertCold(r2)

    def test_import_error(self):
        name, _, _ = self.create_function(runtime="python3.12", handler="x.handler",
                                          files={"x.py": "import nope\n\ndef handler(e, c):\n"
                                                         "    return 1\n"})
        for _ in range(2):  # the failed init is retried by the next invoke, with the same answer
            r = self.invoke(name, {})
            body = self.assertFunctionError(r, "Runtime.ImportModuleError")
            self.assertEqual(body, {
                "errorMessage": "Unable to import module 'x': No module named 'nope'",
                "errorType": "Runtime.ImportModuleError",
                "requestId": "",
                "stackTrace": [],
            })
            self.assertIn("Runtime.ImportModuleError: Unable to import module 'x': "
                          "No module named 'nope'", r.log)
            self.assertRegex(r.log, r"(?m)^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: "
                                    r"(init|invoke)\tStatus: error\tError Type: "
                                    r"Runtime.ImportModuleError$")

    def test_print_and_logging_between_start_and_end(self):
        name = self.make("app.chatty")
        r = self.invoke(name, {"n": 42})
        self.assertEqual(r.body, b'"chatted"')
        between = lines_between_start_and_end(r)
        self.assertIn("from print 42", between)
        self.assertIn("from stderr", between)
        logged = [PY_LOG_RE.match(l) for l in between]
        logged = [m for m in logged if m]
        self.assertEqual([(m.group("level"), m.group("id"), m.group("msg")) for m in logged],
                         [("INFO", r.request_id, "from logging 42")], r.log)
        self.assertEqual(r.log_lines()[-2], r.report().group(0))

    def test_boto3_from_a_handler(self):
        name = self.make("app.sdk", Timeout=20)
        out = self.invoke_ok(name, {})
        self.assertEqual(out["name"], name)
        self.assertEqual(out["runtime"], "python3.12")
        self.assertTrue(out["boto3"], out)


# ------------------------------------------------------------------------------------------
# Node.js
# ------------------------------------------------------------------------------------------

NODE_KITCHEN = r"""
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const util = require('util');
const https = require('https');
const { pipeline } = require('stream/promises');
const { Readable, Transform, Writable } = require('stream');
const { execSync } = require('child_process');

const ops = {
  async crypto() {
    const digest = await crypto.webcrypto.subtle.digest('SHA-256', new TextEncoder().encode('stratus'));
    const globalDigest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode('stratus'));
    return {
      sha256: crypto.createHash('sha256').update('stratus').digest('hex'),
      hmac: crypto.createHmac('sha256', 'key').update('stratus').digest('hex'),
      uuid: crypto.randomUUID(),
      subtle: Buffer.from(digest).toString('hex'),
      globalSubtle: Buffer.from(globalDigest).toString('hex'),
      random: crypto.randomBytes(16).length,
    };
  },
  async fs() {
    fs.writeFileSync('/tmp/note.txt', 'written in tmp');
    await fs.promises.appendFile('/tmp/note.txt', ' and appended');
    return {
      tmp: fs.readFileSync('/tmp/note.txt', 'utf8'),
      dirname: __dirname,
      filename: __filename,
      cwd: process.cwd(),
      bundle: fs.readFileSync(path.join(__dirname, 'data', 'bundle.txt'), 'utf8'),
      listing: fs.readdirSync(__dirname).sort(),
    };
  },
  async zlib() {
    const input = Buffer.from('stratus '.repeat(5000));
    const gz = zlib.gzipSync(input);
    const back = await util.promisify(zlib.gunzip)(gz);
    const br = zlib.brotliDecompressSync(zlib.brotliCompressSync(input));
    return { inLen: input.length, gzSmaller: gz.length < input.length / 10, gzMagic: gz.subarray(0, 2).toString('hex'),
             same: back.equals(input), brSame: br.equals(input) };
  },
  async stream() {
    const chunks = [];
    await pipeline(
      Readable.from(['alpha ', 'beta ', 'gamma']),
      new Transform({ transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()); } }),
      zlib.createGzip(),
      zlib.createGunzip(),
      new Writable({ write(chunk, enc, cb) { chunks.push(chunk); cb(); } }),
    );
    return Buffer.concat(chunks).toString();
  },
  async exec() {
    return { out: execSync('echo hi').toString(), node: execSync('node -e "process.stdout.write(String(1+1))"').toString() };
  },
  async fetch(event) {
    const r = await fetch(event.url + '/hello?x=1', { headers: { 'x-from': 'lambda' } });
    const p = await fetch(event.url + '/echo', { method: 'POST', body: JSON.stringify({ ping: 1 }),
                                                   headers: { 'content-type': 'application/json' } });
    return { status: r.status, body: await r.json(), header: r.headers.get('x-test'),
             postStatus: p.status, postBody: await p.json() };
  },
  async https(event) {
    const body = await new Promise((resolve, reject) => {
      https.get(event.url + '/secure', (res) => {
        const authorized = res.socket.authorized;
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { data += d; });
        res.on('end', () => resolve({ status: res.statusCode, data, authorized }));
      }).on('error', reject);
    });
    const viaFetch = await fetch(event.url + '/secure-fetch');
    return { ...body, fetchStatus: viaFetch.status, fetchBody: await viaFetch.json() };
  },
  async features() {
    return {
      toSorted: [3, 1, 2].toSorted(),
      toReversed: [1, 2, 3].toReversed(),
      with: [1, 2, 3].with(1, 9),
      findLast: [1, 2, 3, 4].findLast((x) => x % 2 === 1),
      wellFormed: 'ok'.isWellFormed(),
      lone: 'a\uD800'.isWellFormed(),
      toWellFormed: 'a\uD800'.toWellFormed(),
      hasOwn: Object.hasOwn({ a: 1 }, 'a'),
      structuredClone: structuredClone({ d: [1, { e: 2 }] }),
      version: process.version,
      release: process.release.name,
    };
  },
};

exports.handler = async (event) => ops[event.op](event);
"""

NODE_CRASHER = r"""
let count = 0;
exports.handler = async (event) => {
  count += 1;
  if (event.crash) {
    setTimeout(() => { throw new TypeError('uncaught boom'); }, 10);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return 'too late';
  }
  return { count };
};
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("x-test", "local-server")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.seen.append(("GET", self.path, self.headers.get("x-from")))
        self._send({"path": self.path, "from": self.headers.get("x-from")})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        data = self.rfile.read(length)
        self.server.seen.append(("POST", self.path, data.decode()))
        self._send({"echo": json.loads(data or b"null")})


def start_local_server(ssl_context=None):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen = []
    if ssl_context is not None:
        httpd.socket = ssl_context.wrap_socket(httpd.socket, server_side=True)
    th = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    th.start()
    return httpd, th


def stop_local_server(httpd, th):
    httpd.shutdown()
    httpd.server_close()
    th.join(timeout=5)


def make_self_signed_cert(directory):
    """(cert.pem path, key.pem path) for 127.0.0.1, or None without openssl."""
    openssl = shutil.which("openssl")
    if not openssl:
        return None
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    proc = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        log("openssl failed: %s" % proc.stderr.decode("utf-8", "replace"))
        return None
    return cert, key


class NodeRuntimeTest(ProcessTierCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="stratus-e2e-node-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.http, th = start_local_server()
        cls.addClassCleanup(stop_local_server, cls.http, th)
        cls.https = None
        files = {"index.js": NODE_KITCHEN, "data/bundle.txt": "shipped in the zip"}
        env = {}
        pair = make_self_signed_cert(cls.tmp)
        if pair:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*pair)
            cls.https, th2 = start_local_server(ctx)
            cls.addClassCleanup(stop_local_server, cls.https, th2)
            with open(pair[0]) as f:
                files["ca.pem"] = f.read()  # the function sees only /var/task
            env["NODE_EXTRA_CA_CERTS"] = "/var/task/ca.pem"
        cls.kitchen = unique_name("kitchen")
        cls.lam.create_function(FunctionName=cls.kitchen, Runtime="nodejs20.x",
                                Role=ROLE,
                                Handler="index.handler", Timeout=20, Code={"ZipFile": make_zip(files)},
                                Environment={"Variables": env})
        host = subprocess.run([HOST_NODE, "--version"], capture_output=True, timeout=30)
        cls.host_node_version = host.stdout.decode().strip()

    def op(self, op, **extra):
        return self.invoke_ok(self.kitchen, dict(op=op, **extra))

    def test_crypto(self):
        import hashlib
        import hmac
        out = self.op("crypto")
        expected = hashlib.sha256(b"stratus").hexdigest()
        self.assertEqual(out["sha256"], expected)
        self.assertEqual(out["subtle"], expected)
        self.assertEqual(out["globalSubtle"], expected)
        self.assertEqual(out["hmac"], hmac.new(b"key", b"stratus", hashlib.sha256).hexdigest())
        self.assertUuid(out["uuid"])
        self.assertEqual(str(uuid.UUID(out["uuid"])), out["uuid"])
        self.assertEqual(out["random"], 16)

    def test_fs_tmp_and_own_bundle(self):
        out = self.op("fs")
        self.assertEqual(out, {
            "tmp": "written in tmp and appended",
            "dirname": "/var/task",
            "filename": "/var/task/index.js",
            "cwd": "/var/task",
            "bundle": "shipped in the zip",
            "listing": sorted(["index.js", "data"] + (["ca.pem"] if self.https else [])),
        })

    def test_zlib_gzip_round_trip(self):
        self.assertEqual(self.op("zlib"), {"inLen": 40000, "gzSmaller": True, "gzMagic": "1f8b",
                                           "same": True, "brSame": True})

    def test_stream_pipeline(self):
        self.assertEqual(self.op("stream"), "ALPHA BETA GAMMA")

    def test_child_process(self):
        self.assertEqual(self.op("exec"), {"out": "hi\n", "node": "2"})

    def test_fetch_to_a_local_server(self):
        url = "http://127.0.0.1:%d" % self.http.server_address[1]
        out = self.op("fetch", url=url)
        self.assertEqual(out, {"status": 200, "body": {"path": "/hello?x=1", "from": "lambda"},
                               "header": "local-server", "postStatus": 200,
                               "postBody": {"echo": {"ping": 1}}})
        self.assertIn(("GET", "/hello?x=1", "lambda"), self.http.seen)

    def test_https_to_a_local_tls_server(self):
        if self.https is None:
            skip("no openssl to make a certificate")
        url = "https://127.0.0.1:%d" % self.https.server_address[1]
        out = self.op("https", url=url)
        self.assertEqual(out, {"status": 200, "data": json.dumps({"path": "/secure", "from": None}),
                               "authorized": True, "fetchStatus": 200,
                               "fetchBody": {"path": "/secure-fetch", "from": None}})

    def test_node20_features_and_host_version(self):
        out = self.op("features")
        self.assertEqual(out, {
            "toSorted": [1, 2, 3], "toReversed": [3, 2, 1], "with": [1, 9, 3], "findLast": 3,
            "wellFormed": True, "lone": False, "toWellFormed": "a\ufffd", "hasOwn": True,
            "structuredClone": {"d": [1, {"e": 2}]}, "version": self.host_node_version,
            "release": "node",
        })

    def test_mjs_handler(self):
        name, _, _ = self.create_function(
            handler="app.handler",
            files={"app.mjs": "import { createRequire } from 'node:module';\n"
                              "import os from 'node:os';\n"
                              "export const handler = async (e) => ({ esm: typeof require, "
                              "url: import.meta.url, eol: os.EOL, got: e });\n"})
        self.assertEqual(self.invoke_ok(name, {"m": 1}),
                         {"esm": "undefined", "url": "file:///var/task/app.mjs", "eol": "\n",
                          "got": {"m": 1}})

    def test_type_module_with_top_level_await(self):
        name, _, _ = self.create_function(
            files={"package.json": '{"type": "module"}',
                   "index.js": "import { setTimeout as sleep } from 'node:timers/promises';\n"
                               "const loaded = await sleep(20, 'awaited at load');\n"
                               "export const handler = async () => ({ loaded, esm: typeof require });\n"})
        self.assertEqual(self.invoke_ok(name, {}), {"loaded": "awaited at load", "esm": "undefined"})

    def test_idle_environment_is_frozen(self):
        # Lambda freezes an environment between invocations: an interval timer barely runs
        # while the sandbox idles, and a timer left pending by a callback that did not wait
        # for the event loop fires at the start of the next invocation, under its request id.
        name, _, _ = self.create_function(runtime="nodejs20.x", files={"index.js": r"""
let ticks = 0;
setInterval(() => { ticks++; }, 10);
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log('late timer ran'), 100);
  callback(null, ticks);
};
"""})
        first = self.invoke_ok(name, {})
        time.sleep(1.5)  # ~150 ticks if the sandbox ran while idle
        r = self.invoke(name, {})
        self.assertIsNone(r.function_error, r)
        self.assertLess(r.json() - first, 40, "the idle sandbox kept running")
        self.assertIn("INFO\tlate timer ran", r.log)

    def test_uncaught_exception_then_next_invoke(self):
        name, _, _ = self.create_function(source=NODE_CRASHER, Timeout=10)
        self.assertEqual(self.invoke_ok(name, {}), {"count": 1})
        r = self.invoke(name, {"crash": True})
        body = self.assertFunctionError(r, "TypeError")
        self.assertEqual(body["errorMessage"], "uncaught boom", body)
        self.assertIsInstance(body.get("trace"), list, body)
        self.assertEqual(body["trace"][0], "TypeError: uncaught boom", body)
        # The runtime exited (129): the next invoke starts a fresh process.
        r2 = self.invoke(name, {})
        self.assertEqual(r2.status, 200, r2)
        self.assertIsNone(r2.function_error, r2)
        self.assertEqual(r2.json(), {"count": 1})
        self.assertCold(r2)


SDK_CALLER = r"""
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';

const client = new LambdaClient({});  // region and endpoint from the environment

export const handler = async (event) => {
  const out = await client.send(new InvokeCommand({
    FunctionName: event.target,
    Payload: new TextEncoder().encode(JSON.stringify({ hop: event.n })),
  }));
  return {
    statusCode: out.StatusCode,
    functionError: out.FunctionError ?? null,
    executedVersion: out.ExecutedVersion,
    result: JSON.parse(new TextDecoder().decode(out.Payload)),
  };
};
"""

SDK_CALLER_CJS = r"""
const { LambdaClient, GetFunctionConfigurationCommand } = require('@aws-sdk/client-lambda');
exports.handler = async (event, context) => {
  const conf = await new LambdaClient({}).send(
    new GetFunctionConfigurationCommand({ FunctionName: context.functionName }));
  return { name: conf.FunctionName, runtime: conf.Runtime };
};
"""

SDK_TARGET = "exports.handler = async (e, ctx) => ({ from: ctx.functionName, got: e });\n"


class NodeSdkTest(ProcessTierCase):

    def setUp(self):
        super().setUp()
        if not os.path.isdir(NODE_SDK_CLIENT):
            skip("the runtime-provided AWS SDK is not installed (%s missing; run "
                 "scripts/deps-node-sdk.sh)" % NODE_SDK_CLIENT)

    def test_function_invokes_another_through_sdk_v3(self):
        target, _, _ = self.create_function(source=SDK_TARGET)
        caller, _, _ = self.create_function(files={"index.mjs": SDK_CALLER}, Timeout=30)
        r = self.invoke(caller, {"target": target, "n": 5})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json(), {"statusCode": 200, "functionError": None,
                                    "executedVersion": "$LATEST",
                                    "result": {"from": target, "got": {"hop": 5}}})
        # A function error of the callee comes back as a FunctionError, not an exception.
        r2 = self.invoke(caller, {"target": unique_name("missing"), "n": 1})
        body = self.assertFunctionError(r2, "ResourceNotFoundException")
        self.assertIn("Function not found", body["errorMessage"], body)

    def test_require_from_commonjs(self):
        name, _, _ = self.create_function(source=SDK_CALLER_CJS, Timeout=30)
        self.assertEqual(self.invoke_ok(name, {}), {"name": name, "runtime": "nodejs20.x"})


# ------------------------------------------------------------------------------------------
# The jail
# ------------------------------------------------------------------------------------------

PROBE = r"""
const fs = require('fs');

function tryWrite(p) {
  try { fs.writeFileSync(p, 'x'); return 'written'; } catch (e) { return e.code; }
}

exports.handler = async (event) => {
  if (event.op === 'write-secret') {
    fs.writeFileSync('/tmp/secret', event.value);
    return 'ok';
  }
  if (event.op === 'steal-next') {
    // Long-poll another sandbox's Runtime API: its invocations must not be ours to take.
    const http = require('http');
    return await new Promise((resolve) => {
      const req = http.get(`http://${event.api}/2018-06-01/runtime/invocation/next`, (res) => {
        res.resume();
        resolve('answered ' + res.statusCode);
      });
      req.on('error', (e) => resolve('refused ' + e.code));
      req.setTimeout(2000, () => { req.destroy(); resolve('timeout'); });
    });
  }
  if (event.op === 'read-secret') {
    return fs.existsSync('/tmp/secret') ? fs.readFileSync('/tmp/secret', 'utf8') : null;
  }
  return {
    writes: {
      varTask: tryWrite('/var/task/evil.txt'),
      varTaskIndex: tryWrite('/var/task/index.js'),
      usr: tryWrite('/usr/evil.txt'),
      usrBin: tryWrite('/usr/bin/evil'),
      opt: tryWrite('/opt/evil'),
      varRuntime: tryWrite('/var/runtime/evil'),
      etc: tryWrite('/etc/evil'),
      tmp: tryWrite('/tmp/fine'),
    },
    pids: fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number),
    pid: process.pid,
    exists: Object.fromEntries(event.paths.map((p) => [p, fs.existsSync(p)])),
    env: { ...process.env },
    uid: process.getuid(),
    euid: process.geteuid(),
    gid: process.getgid(),
  };
};
"""

# Put into the server's environment for the isolation class: none of it may reach a function.
HOST_ONLY_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIASERVEROWNKEY0001",
    "AWS_SECRET_ACCESS_KEY": "server-own-secret-key-never-leaked",
    "AWS_SESSION_TOKEN": "server-own-session-token",
    "STRATUS_E2E_HOST_CANARY": "host-only-value",
    "E2E_HOST_ONLY_VARIABLE": "host-only-value-2",
}
# Values a function may legitimately share with the host.
MAY_MATCH_HOST = {"LANG", "TZ", "SHLVL", "AWS_REGION", "AWS_DEFAULT_REGION"}


class IsolationTest(ProcessTierCase):

    @classmethod
    def setUpClass(cls):
        saved = {k: os.environ.get(k) for k in HOST_ONLY_ENV}
        os.environ.update(HOST_ONLY_ENV)
        cls.server_env = dict(os.environ)
        try:
            super().setUpClass()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        cls.fn_a = unique_name("probe-a")
        cls.fn_b = unique_name("probe-b")
        for name in (cls.fn_a, cls.fn_b):
            cls.lam.create_function(FunctionName=name, Runtime="nodejs20.x",
                                    Role=ROLE,
                                    Handler="index.handler", Timeout=10,
                                    Code={"ZipFile": make_zip({"index.js": PROBE})})

    def probe(self, name, paths=()):
        return self.invoke_ok(name, {"op": "probe", "paths": list(paths)})

    def test_read_only_code_and_system(self):
        out = self.probe(self.fn_a)
        for key in ("varTask", "varTaskIndex", "usr", "usrBin", "opt", "varRuntime", "etc"):
            self.assertIn(out["writes"][key], ("EROFS", "EACCES"), (key, out["writes"]))
        self.assertEqual(out["writes"]["tmp"], "written")

    def test_own_pid_namespace(self):
        out = self.probe(self.fn_a)
        pids = out["pids"]
        self.assertIn(out["pid"], pids)
        self.assertLessEqual(len(pids), 10, "a jail sees only its own processes: %r" % pids)
        self.assertNotIn(self.server.pid, pids)
        self.assertNotIn(os.getpid(), pids)
        self.assertLess(out["pid"], 100, out["pid"])

    def test_host_paths_invisible(self):
        paths = [self.server.data_dir, self.server.log_dir, "/root", "/work", "/home",
                 "/etc/shadow", REPO, STRATUS_BIN]
        out = self.probe(self.fn_a, paths)
        self.assertEqual(out["exists"], {p: False for p in paths})

    def test_no_host_environment(self):
        out = self.probe(self.fn_a)
        env = out["env"]
        self.assertEqual([k for k in env if k.startswith("STRATUS_")], [], env)
        self.assertNotIn("E2E_HOST_ONLY_VARIABLE", env)
        if self.server_env.get("HOME"):
            self.assertNotEqual(env.get("HOME"), self.server_env["HOME"], env)
        leaked = sorted(k for k, v in self.server_env.items()
                        if k not in MAY_MATCH_HOST and env.get(k) == v)
        self.assertEqual(leaked, [], "host variables leaked into the function")
        # Made-up credentials, never the server's own nor the harness's "test".
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            self.assertTrue(env.get(key), (key, env))
            self.assertNotEqual(env[key], "test", key)
            self.assertNotEqual(env[key], HOST_ONLY_ENV[key], key)
        self.assertEqual(env.get("AWS_ENDPOINT_URL_LAMBDA"), self.server.endpoint, env)
        self.assertIn("/var/runtime/node_modules", env.get("NODE_PATH", "").split(":"), env)
        self.assertEqual(env.get("LAMBDA_TASK_ROOT"), "/var/task")
        self.assertTrue(env.get("AWS_LAMBDA_RUNTIME_API", "").startswith("127.0.0.1:"), env)
        # Per sandbox: another function gets other credentials.
        other = self.probe(self.fn_b)["env"]
        self.assertNotEqual(other["AWS_ACCESS_KEY_ID"], env["AWS_ACCESS_KEY_ID"])
        self.assertNotEqual(other["AWS_SECRET_ACCESS_KEY"], env["AWS_SECRET_ACCESS_KEY"])

    def test_unprivileged_own_uid(self):
        a = self.probe(self.fn_a)
        b = self.probe(self.fn_b)
        for out in (a, b):
            self.assertNotEqual(out["uid"], 0, out["uid"])
            self.assertNotEqual(out["euid"], 0, out["euid"])
            self.assertNotEqual(out["gid"], 0, out["gid"])
        self.assertNotEqual(a["uid"], b["uid"], "two live sandboxes share a uid")

    def test_runtime_api_admits_only_its_own_sandbox(self):
        # The host's loopback is shared, but a Runtime API talks only to its sandbox's uid:
        # function B cannot poll A's /next (and so cannot take A's events).
        api_a = self.probe(self.fn_a)["env"]["AWS_LAMBDA_RUNTIME_API"]
        self.assertIn(self.invoke_ok(self.fn_b, {"op": "steal-next", "api": api_a}),
                      ("refused ECONNRESET", "refused EPIPE", "refused ECONNREFUSED"))
        self.assertEqual(self.probe(self.fn_a)["env"]["AWS_LAMBDA_RUNTIME_API"], api_a)  # A unharmed

    def test_private_tmp(self):
        secret = uuid.uuid4().hex
        self.assertEqual(self.invoke_ok(self.fn_a, {"op": "write-secret", "value": secret}), "ok")
        self.assertEqual(self.invoke_ok(self.fn_a, {"op": "read-secret"}), secret)  # warm: kept
        self.assertIsNone(self.invoke_ok(self.fn_b, {"op": "read-secret"}))


# ------------------------------------------------------------------------------------------
# Memory limits
# ------------------------------------------------------------------------------------------

HOG = r"""
exports.handler = async (event) => {
  if (event.oom) {
    const b = Buffer.alloc(300 * 1024 * 1024);
    b.fill(1);
    return b.length;
  }
  return 'fine';
};
"""


class MemoryLimitTest(ProcessTierCase):

    def setUp(self):
        super().setUp()
        if not os.path.isdir("/sys/fs/cgroup/memory"):
            skip("no cgroup v1 memory controller (/sys/fs/cgroup/memory)")

    def test_out_of_memory_kill(self):
        hog, _, _ = self.create_function(source=HOG, MemorySize=128, Timeout=30)
        canary, _, _ = self.create_function(source="exports.handler = async (e) => e;\n")
        self.assertEqual(self.invoke_ok(hog, {}), "fine")
        self.assertEqual(self.invoke_ok(canary, {"warm": 1}), {"warm": 1})
        stop = threading.Event()
        canary_results = []

        def keep_invoking():
            client = self.server.client()
            i = 0
            while not stop.is_set() and i < 200:
                r = self.invoke(canary, {"i": i}, client=client, tail=False)
                canary_results.append((i, r.status, r.function_error, r.body))
                i += 1
                time.sleep(0.05)

        th = threading.Thread(target=keep_invoking, daemon=True)
        th.start()
        try:
            t0 = time.monotonic()
            r = self.invoke(hog, {"oom": True})
            elapsed = time.monotonic() - t0
        finally:
            stop.set()
            th.join(timeout=30)
        self.assertFalse(th.is_alive(), "canary invokes hung")
        self.assertLess(elapsed, 30)
        body = self.assertFunctionError(r, "Runtime.OutOfMemory")
        self.assertEqual(body.get("errorMessage"),
                         "RequestId: %s Error: Runtime exited with error: signal: killed"
                         % r.request_id, body)
        m = r.report()
        self.assertIsNotNone(m, r.log)
        self.assertEqual(m.group("status"), "error", r.log)
        self.assertEqual(m.group("error_type"), "Runtime.OutOfMemory", r.log)
        self.assertEqual(int(m.group("memory")), 128)
        used = int(m.group("max_used"))
        self.assertGreaterEqual(used, 100, r.log)
        self.assertLessEqual(used, 130, r.log)
        # The canary kept answering while the hog died.
        self.assertTrue(canary_results, "no canary invoke ran")
        bad = [x for x in canary_results
               if x[1] != 200 or x[2] is not None or json.loads(x[3]) != {"i": x[0]}]
        self.assertEqual(bad, [])
        # A fresh environment for the hog.
        r2 = self.invoke(hog, {})
        self.assertEqual(r2.status, 200, r2)
        self.assertIsNone(r2.function_error, r2)
        self.assertEqual(r2.body, b'"fine"')
        self.assertCold(r2)


# ------------------------------------------------------------------------------------------
# A timeout ends the whole process tree
# ------------------------------------------------------------------------------------------

NODE_SPAWNER = r"""
const { spawn } = require('child_process');
exports.handler = async (event) => {
  if (event.marker) {
    const child = spawn('sh', ['-c', 'sleep 30; touch /tmp/x', event.marker],
                        { detached: true, stdio: 'ignore' });
    child.unref();
    await new Promise((resolve) => setTimeout(resolve, 10000));
  }
  return 'alive';
};
"""

PY_FORKER = r'''
import os
import time


def handler(event, context):
    marker = event.get("marker")
    if marker:
        pid = os.fork()
        if pid == 0:
            try:
                if os.fork() == 0:
                    os.setsid()
                    os.execv("/usr/bin/python3", [
                        "/usr/bin/python3", "-c",
                        "import sys, time; time.sleep(30); "
                        "open('/tmp/marker', 'w').write(sys.argv[1])", marker])
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(10)
    return "alive"
'''


class TimeoutKillsTreeTest(ProcessTierCase):

    def run_and_check(self, name):
        self.assertEqual(self.invoke_ok(name, {}), "alive")
        marker = "stratus-e2e-marker-" + uuid.uuid4().hex
        box = {}

        def go():
            box["r"] = self.invoke(name, {"marker": marker}, client=self.server.client())

        th = threading.Thread(target=go, daemon=True)
        th.start()
        seen = []
        deadline = time.monotonic() + 15
        while th.is_alive() and time.monotonic() < deadline:
            if not seen:
                seen = processes_with(marker)
            time.sleep(0.05)
        th.join(timeout=max(0.1, deadline - time.monotonic()))
        self.assertFalse(th.is_alive(), "the invoke did not return")
        self.assertTrue(seen, "the grandchild never ran (nothing on the host had %s in argv)"
                        % marker)
        self.assertTimedOut(box["r"], "1.00")
        gone_by = time.monotonic() + PROCESS_GONE_WITHIN_S
        left = processes_with(marker)
        while left and time.monotonic() < gone_by:
            time.sleep(0.1)
            left = processes_with(marker)
        self.assertEqual(left, [], "processes outlived their sandbox's timeout")
        r2 = self.invoke(name, {})
        self.assertEqual(r2.body, b'"alive"', r2)
        self.assertCold(r2)

    def test_node_detached_grandchild(self):
        name, _, _ = self.create_function(source=NODE_SPAWNER, Timeout=1)
        self.run_and_check(name)

    def test_python_forked_grandchild(self):
        name, _, _ = self.create_function(runtime="python3.12", handler="app.handler",
                                          files={"app.py": PY_FORKER}, Timeout=1)
        self.run_and_check(name)


# ------------------------------------------------------------------------------------------
# Logs of cold and warm starts
# ------------------------------------------------------------------------------------------

HELLO = "exports.handler = async () => { console.log('hello'); return 'ok'; };\n"


class NodeLogsTest(ProcessTierCase):

    def test_cold_then_warm(self):
        name, _, _ = self.create_function(source=HELLO)
        r = self.invoke(name, {})
        self.assertEqual(r.body, b'"ok"')
        lines = r.log_lines()
        self.assertEqual(lines[-1], "", "the log ends with a newline: %r" % r.log)
        init = [i for i, l in enumerate(lines) if l.startswith("INIT_START")]
        self.assertEqual(len(init), 1, r.log)
        self.assertRegex(lines[init[0]], INIT_START_NODE_RE)
        start = lines.index("START RequestId: %s Version: $LATEST" % r.request_id)
        end = lines.index("END RequestId: %s" % r.request_id)
        self.assertLess(init[0], start)
        between = lines[start + 1:end]
        self.assertEqual(len(between), 1, r.log)
        m = CONSOLE_RE.match(between[0])
        self.assertIsNotNone(m, between)
        self.assertEqual((m.group("id"), m.group("level"), m.group("msg")),
                         (r.request_id, "INFO", "hello"))
        report = self.assertCold(r)
        self.assertEqual(lines[-2], report.group(0), "REPORT is the last line")
        self.assertEqual(end, len(lines) - 3)
        self.assertIsNone(report.group("status"))
        # Measured from the sandbox's cgroup (never 0: node's own heap alone is several MB).
        self.assertGreaterEqual(int(report.group("max_used")), 5, r.log)
        r2 = self.invoke(name, {})
        lines2 = r2.log_lines()
        self.assertEqual(lines2[0], "START RequestId: %s Version: $LATEST" % r2.request_id, r2.log)
        self.assertWarm(r2)
        m2 = CONSOLE_RE.match(lines2[1])
        self.assertIsNotNone(m2, r2.log)
        self.assertEqual((m2.group("id"), m2.group("msg")), (r2.request_id, "hello"))


# ------------------------------------------------------------------------------------------
# The isolate tier, per function or for the whole server
# ------------------------------------------------------------------------------------------

PLAIN = """exports.handler = async (e, ctx) => ({
  echo: e, fn: ctx.functionName, mem: ctx.memoryLimitInMB, version: ctx.functionVersion,
  sum: [3, 1, 2].reduce((a, b) => a + b, 0),
});
"""
TIER_PROBE = "exports.handler = async () => typeof process.getuid;\n"


class TierSwitchTest(ProcessTierCase):

    def both(self, source, event):
        proc, _, _ = self.create_function(source=source)
        iso, _, _ = self.create_function(source=source,
                                         Environment={"Variables": {"STRATUS_TIER": "isolate"}})
        return proc, iso, self.invoke_ok(proc, event), self.invoke_ok(iso, event)

    def test_same_answer_on_both_tiers(self):
        proc, iso, a, b = self.both(PLAIN, {"x": [1, "y"]})
        self.assertEqual(a, {"echo": {"x": [1, "y"]}, "fn": proc, "mem": "128",
                             "version": "$LATEST", "sum": 6})
        self.assertEqual(b, dict(a, fn=iso))

    def test_the_tiers_really_differ(self):
        _, iso, a, b = self.both(TIER_PROBE, {})
        self.assertEqual(a, "function")  # a real node process
        self.assertEqual(b, "undefined")  # the V8 isolate has no process.getuid
        # Switching a function's tier by configuration takes effect on the next invoke.
        self.lam.update_function_configuration(FunctionName=iso,
                                               Environment={"Variables": {}})
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=iso, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
        self.assertEqual(self.invoke_ok(iso, {}), "function")


class IsolateDefaultTest(ProcessTierCase):
    server_args = ("--node-tier", "isolate")

    def test_server_flag_and_override(self):
        iso, _, _ = self.create_function(source=TIER_PROBE)
        proc, _, _ = self.create_function(source=TIER_PROBE,
                                          Environment={"Variables": {"STRATUS_TIER": "process"}})
        self.assertEqual(self.invoke_ok(iso, {}), "undefined")
        self.assertEqual(self.invoke_ok(proc, {}), "function")
        # Python has no isolate tier: it runs as a process whatever the default.
        py, _, _ = self.create_function(runtime="python3.12", handler="app.handler",
                                        files={"app.py": "def handler(e, c):\n    return e\n"})
        self.assertEqual(self.invoke_ok(py, {"p": 1}), {"p": 1})


if __name__ == "__main__":
    main()
