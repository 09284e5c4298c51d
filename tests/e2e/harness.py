"""End-to-end harness for Stratus: starts the real server binary and drives it.

Everything here talks to 127.0.0.1 only. Every wait is bounded in time (and polls are bounded
in count); every process started is stopped by its PID, from class cleanups that run even when
setUpClass or a test fails, and, as a last resort, by the kernel (parent-death signal) if the
test process itself is killed (e.g. by ctest's TIMEOUT).

Environment:
  STRATUS_BIN        server binary (default /work/main/build/stratus)
  STRATUS_AWS_CLI    AWS CLI executable (default: a v2 CLI via scripts/aws-cli, else `aws`)
  STRATUS_E2E_KEEP   if set, keep temporary data dirs and server logs (paths are printed)
"""
import base64
import ctypes
import hashlib
import http.client
import io
import json
import os
import queue
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
import zipfile

sys.dont_write_bytecode = True

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

STRATUS_BIN = os.environ.get("STRATUS_BIN", "/work/main/build/stratus")
ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:"
DEFAULT_RUNTIME = "nodejs20.x"

START_TIMEOUT_S = 30       # banner + health
STOP_GRACE_S = 10          # SIGTERM -> SIGKILL
HEALTH_POLL_MAX = 200      # health polls at most
HTTP_TIMEOUT_S = 60        # any single raw HTTP exchange
CLI_TIMEOUT_S = 90         # any single AWS CLI run

BANNER_RE = re.compile(
    r"^stratus: listening on http://127\.0\.0\.1:(\d+) \(data dir (.*), (\d+) functions\)\s*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
REPORT_RE = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\tDuration: (?P<duration>\d+\.\d{2}) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<max_used>\d+) MB\t"
    r"(?:Init Duration: (?P<init>\d+\.\d{2}) ms\t)?"
    r"(?:Status: (?P<status>\w+)\t(?:Error Type: (?P<error_type>[\w.]+)\t)?)?$")
CONSOLE_RE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t(?P<id>[^\t]+)\t"
    r"(?P<level>INFO|WARN|ERROR|DEBUG|TRACE|FATAL)\t(?P<msg>.*)$")
LOG_STREAM_RE = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")

_KEEP = bool(os.environ.get("STRATUS_E2E_KEEP"))


def log(msg):
    sys.stderr.write("[e2e] %s\n" % msg)
    sys.stderr.flush()


# ------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------

def unique_name(prefix="fn"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def function_arn(name, qualifier=None):
    return ARN_PREFIX + name + (":" + qualifier if qualifier else "")


def _parent_death_preexec():
    # Only used when setpriv is unavailable: ask the kernel to SIGKILL the server if we die.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# ------------------------------------------------------------------------------------------
# Zips, built in memory
# ------------------------------------------------------------------------------------------

_FIXED_DATE = (2024, 1, 1, 0, 0, 0)


def make_zip(files, symlinks=None, compression=zipfile.ZIP_DEFLATED, executables=()):
    """{path: str|bytes} (+ {path: link target}) -> zip bytes. Names are written verbatim
    (no sanitising), so "../x" and "/x" entries can be built. Deterministic output. Files are
    mode 0644, those named in `executables` 0755 (e.g. a custom runtime's `bootstrap`)."""
    executables = set(executables)
    unknown = executables - set(files)
    if unknown:
        raise ValueError("executables not among the files: %r" % sorted(unknown))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for path, content in files.items():
            zi = zipfile.ZipInfo(path, date_time=_FIXED_DATE)
            zi.compress_type = compression
            zi.create_system = 3
            mode = 0o755 if path in executables else 0o644
            zi.external_attr = (stat.S_IFREG | mode) << 16
            z.writestr(zi, content.encode() if isinstance(content, str) else content)
        for path, target in (symlinks or {}).items():
            zi = zipfile.ZipInfo(path, date_time=_FIXED_DATE)
            zi.compress_type = zipfile.ZIP_STORED
            zi.create_system = 3
            zi.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(zi, target.encode())
    return buf.getvalue()


def handler_zip(source, filename="index.js", extra=None):
    files = {filename: source}
    files.update(extra or {})
    return make_zip(files)


_BOMB = None


def zip_bomb_300mb():
    """One entry of 300 MiB of zeros, deflated (~300 KB). Built once per process."""
    global _BOMB
    if _BOMB is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            zi = zipfile.ZipInfo("zeros.bin", date_time=_FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = (stat.S_IFREG | 0o644) << 16
            z.writestr(zipfile.ZipInfo("index.js", date_time=_FIXED_DATE),
                       b"exports.handler = async () => 1;\n")
            with z.open(zi, "w", force_zip64=True) as f:
                chunk = b"\0" * (1 << 20)
                for _ in range(300):
                    f.write(chunk)
        _BOMB = buf.getvalue()
    return _BOMB


def lying_size_zip(actual_bytes=8 << 20, declared_bytes=1000):
    """A zip whose entry inflates to `actual_bytes` zeros but declares `declared_bytes` in both
    the local header and the central directory (the classic zip-bomb trick)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("index.js", date_time=_FIXED_DATE),
                   b"exports.handler = async () => 1;\n")
        zi = zipfile.ZipInfo("payload.bin", date_time=_FIXED_DATE)
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, b"\0" * actual_bytes)
    data = bytearray(buf.getvalue())
    name = b"payload.bin"
    patched = 0
    # Local file header: signature, ..., uncompressed size at +22, name at +30.
    pos = 0
    while True:
        pos = data.find(b"PK\x03\x04", pos)
        if pos < 0:
            break
        nlen = int.from_bytes(data[pos + 26:pos + 28], "little")
        if bytes(data[pos + 30:pos + 30 + nlen]) == name:
            data[pos + 22:pos + 26] = declared_bytes.to_bytes(4, "little")
            patched += 1
        pos += 4
    # Central directory header: uncompressed size at +24, name at +46.
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        nlen = int.from_bytes(data[pos + 28:pos + 30], "little")
        if bytes(data[pos + 46:pos + 46 + nlen]) == name:
            data[pos + 24:pos + 28] = declared_bytes.to_bytes(4, "little")
            patched += 1
        pos += 4
    assert patched == 2, "could not patch the lying zip"
    return bytes(data)


def many_entries_zip(count):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo("index.js", date_time=_FIXED_DATE),
                   b"exports.handler = async () => 1;\n")
        for i in range(count):
            z.writestr(zipfile.ZipInfo("f/%d.txt" % i, date_time=_FIXED_DATE), b"")
    return buf.getvalue()


# ------------------------------------------------------------------------------------------
# Raw HTTP
# ------------------------------------------------------------------------------------------

class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "RawResponse(%d, %r, %r)" % (self.status, self.headers, self.body[:500])


def service_client(service, endpoint):
    """boto3's client of another service this server answers (sqs, logs), one attempt per call."""
    cfg = Config(region_name=REGION, retries={"total_max_attempts": 1, "mode": "standard"},
                 connect_timeout=5, read_timeout=60)
    return boto3.session.Session().client(service, endpoint_url=endpoint, region_name=REGION,
                                          aws_access_key_id="test", aws_secret_access_key="test",
                                          config=cfg)


def sqs_client(endpoint):
    return service_client("sqs", endpoint)


def logs_client(endpoint):
    return service_client("logs", endpoint)


def raw_request(port, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT_S):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return RawResponse(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def raw_socket_exchange(port, payload, timeout=5.0, shutdown_write=False, max_bytes=1 << 20):
    """Sends raw bytes, returns whatever arrives until the peer closes, `timeout` passes with
    nothing new, or max_bytes is reached."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        if payload:
            s.sendall(payload)
        if shutdown_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        total = 0
        deadline = time.monotonic() + timeout
        while total < max_bytes and time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        s.close()


# ------------------------------------------------------------------------------------------
# The server process
# ------------------------------------------------------------------------------------------

class ServerError(Exception):
    pass


class StratusServer:
    """One `stratus serve` process on 127.0.0.1:0 over a data dir that survives restarts."""

    _count = 0

    def __init__(self, data_dir=None, binary=None, extra_args=None):
        self.binary = binary or STRATUS_BIN
        # More `stratus serve` flags (e.g. ["--account-concurrency", "10"]), on every start.
        self.extra_args = list(extra_args or [])
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="stratus-e2e-data-")
        self.log_dir = tempfile.mkdtemp(prefix="stratus-e2e-logs-")
        self.proc = None
        self.port = None
        self.banner = None
        self.function_count_at_start = None
        self.starts = 0
        self._reader = None
        self._lines = None
        self._log_file = None
        self.log_path = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=START_TIMEOUT_S):
        if self.alive():
            raise ServerError("already running (pid %d)" % self.proc.pid)
        if not os.path.isfile(self.binary) or not os.access(self.binary, os.X_OK):
            raise ServerError("server binary not found: %s (set STRATUS_BIN)" % self.binary)
        StratusServer._count += 1
        self.starts += 1
        self.log_path = os.path.join(self.log_dir, "server-%d.log" % self.starts)
        self._log_file = open(self.log_path, "wb")
        cmd = [self.binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir]
        cmd += [str(a) for a in self.extra_args]
        setpriv = shutil.which("setpriv")
        kwargs = {}
        if setpriv:
            # setpriv execs the server in place (same PID) with a parent-death signal.
            cmd = [setpriv, "--pdeathsig", "KILL", "--"] + cmd
        else:
            kwargs["preexec_fn"] = _parent_death_preexec
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._log_file, close_fds=True, **kwargs)
        self._lines = queue.Queue()
        self._reader = threading.Thread(target=self._read_stdout, args=(self.proc, self._lines),
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        line = None
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=min(0.5, max(0.01, deadline - time.monotonic())))
                break
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
        if line is None:
            self._abort("no banner on stdout within %.0f s (exit code %r)"
                        % (timeout, self.proc.poll()))
        m = BANNER_RE.match(line)
        if not m:
            self._abort("unexpected banner: %r" % line)
        self.banner = line.strip()
        self.port = int(m.group(1))
        self.function_count_at_start = int(m.group(3))
        self.wait_healthy(deadline=deadline)
        return self

    @staticmethod
    def _read_stdout(proc, lines):
        try:
            for raw in iter(proc.stdout.readline, b""):
                lines.put(raw.decode("utf-8", "replace"))
        except Exception:
            pass
        finally:
            try:
                proc.stdout.close()
            except Exception:
                pass

    def wait_healthy(self, deadline=None, timeout=START_TIMEOUT_S):
        deadline = deadline or time.monotonic() + timeout
        last = None
        for _ in range(HEALTH_POLL_MAX):
            if time.monotonic() >= deadline:
                break
            if self.proc.poll() is not None:
                self._abort("server exited with %r before becoming healthy" % self.proc.poll())
            try:
                r = raw_request(self.port, "GET", "/_stratus/health", timeout=2)
                if r.status == 200:
                    return
                last = "status %d" % r.status
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        self._abort("health check did not answer 200 in time (last: %s)" % last)

    def healthy(self, timeout=5):
        try:
            return raw_request(self.port, "GET", "/_stratus/health", timeout=timeout).status == 200
        except OSError:
            return False

    def _abort(self, why):
        tail = self.log_tail()
        self.kill()
        raise ServerError("%s\n--- server log tail ---\n%s" % (why, tail))

    def stop(self, grace=STOP_GRACE_S):
        """SIGTERM, then SIGKILL after `grace` seconds. Returns the exit code (None if not
        running). Sets self.last_stop_forced when SIGKILL was needed."""
        self.last_stop_forced = False
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                rc = self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.last_stop_forced = True
                rc = self._sigkill()
        self._finish()
        return rc

    def kill(self):
        """SIGKILL now (a crash). Returns the exit code."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            rc = self._sigkill()
        self._finish()
        return rc

    def _sigkill(self):
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            return self.proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            return None

    def _finish(self):
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def restart(self, kill=False):
        if kill:
            self.kill()
        else:
            self.stop()
        self.proc = None
        return self.start()

    def cleanup(self):
        try:
            self.stop()
        finally:
            if _KEEP:
                log("kept data dir %s and logs %s" % (self.data_dir, self.log_dir))
            else:
                if self.owns_data_dir:
                    shutil.rmtree(self.data_dir, ignore_errors=True)
                shutil.rmtree(self.log_dir, ignore_errors=True)

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except Exception:
            return "(no log)"

    # -- clients -----------------------------------------------------------------------------

    def client(self, validate=True, read_timeout=60):
        return lambda_client(self.endpoint, validate=validate, read_timeout=read_timeout)

    def http(self, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT_S):
        return raw_request(self.port, method, path, body=body, headers=headers, timeout=timeout)

    def cli(self, *args, **kwargs):
        return aws_cli(self.endpoint, *args, **kwargs)


def lambda_client(endpoint, validate=True, read_timeout=60):
    cfg = Config(region_name=REGION,
                 retries={"total_max_attempts": 1, "mode": "standard"},  # no retries at all
                 connect_timeout=5, read_timeout=read_timeout,
                 parameter_validation=validate, max_pool_connections=20)
    return boto3.session.Session().client(
        "lambda", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test", config=cfg)


# ------------------------------------------------------------------------------------------
# The real AWS CLI
# ------------------------------------------------------------------------------------------

_CLI_MAJOR = None


_CLI_EXE = None


def aws_cli_executable():
    """The AWS CLI the issue's commands are written for: v2 when the machine has one
    (scripts/aws-cli finds it, e.g. Debian's /usr/bin/aws behind a v1 on PATH), else `aws`.
    Resolved once per run: starting a CLI costs most of a second."""
    global _CLI_EXE
    if _CLI_EXE is None:
        _CLI_EXE = os.environ.get("STRATUS_AWS_CLI") or ""
        if not _CLI_EXE:
            wrapper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                   "scripts", "aws-cli")
            try:
                out = subprocess.run([wrapper, "--which"], capture_output=True, timeout=CLI_TIMEOUT_S)
                if out.returncode == 0:
                    _CLI_EXE = out.stdout.decode().strip()
            except (OSError, subprocess.TimeoutExpired):
                pass
        _CLI_EXE = _CLI_EXE or shutil.which("aws")
    return _CLI_EXE


def _cli_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") or k in ("AWS_CA_BUNDLE",)}
    nowhere = os.path.join(tempfile.gettempdir(), "stratus-e2e-no-such-aws-config")
    env.update({
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_PAGER": "",
        "AWS_CONFIG_FILE": nowhere,
        "AWS_SHARED_CREDENTIALS_FILE": nowhere,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def aws_cli_major_version():
    global _CLI_MAJOR
    if _CLI_MAJOR is None:
        exe = aws_cli_executable()
        out = subprocess.run([exe, "--version"], capture_output=True, timeout=CLI_TIMEOUT_S,
                             env=_cli_env())
        m = re.search(r"aws-cli/(\d+)\.", (out.stdout + out.stderr).decode("utf-8", "replace"))
        _CLI_MAJOR = int(m.group(1)) if m else 1
    return _CLI_MAJOR


def cli_binary_format_args():
    """`--cli-binary-format raw-in-base64-out` for CLI v2; CLI v1 has no such option (it
    already passes blob arguments such as --payload raw) and rejects it."""
    return ["--cli-binary-format", "raw-in-base64-out"] if aws_cli_major_version() >= 2 else []


class CliResult:
    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.stdout) if self.stdout.strip() else None

    def __repr__(self):
        return "CliResult(rc=%d, stdout=%r, stderr=%r)" % (self.returncode, self.stdout[:2000],
                                                           self.stderr[:2000])


def aws_cli(endpoint, *args, timeout=CLI_TIMEOUT_S, cwd=None, service="lambda"):
    exe = aws_cli_executable()
    if not exe:
        raise unittest.SkipTest("AWS CLI not installed")
    cmd = [exe, "--endpoint-url", endpoint, "--output", "json", "--cli-read-timeout", "60",
           "--cli-connect-timeout", "5", service] + list(args)
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd, env=_cli_env(),
                          stdin=subprocess.DEVNULL)
    return CliResult(proc)


# ------------------------------------------------------------------------------------------
# unittest base class
# ------------------------------------------------------------------------------------------

class InvokeResult:
    def __init__(self, resp):
        self.raw = resp
        self.status = resp["StatusCode"]
        self.body = resp["Payload"].read()
        self.function_error = resp.get("FunctionError")
        self.executed_version = resp.get("ExecutedVersion")
        self.headers = resp["ResponseMetadata"]["HTTPHeaders"]
        self.request_id = resp["ResponseMetadata"].get("RequestId") or \
            self.headers.get("x-amzn-requestid")
        lr = resp.get("LogResult")
        self.log = base64.b64decode(lr).decode("utf-8", "replace") if lr is not None else None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def log_lines(self):
        return self.log.split("\n") if self.log else []

    def report(self):
        for line in self.log_lines():
            m = REPORT_RE.match(line)
            if m:
                return m
        return None

    def __repr__(self):
        return "InvokeResult(status=%r, error=%r, body=%r, log=%r)" % (
            self.status, self.function_error, self.body[:1000], self.log)


def process_tier_available(server):
    """Whether `server` runs nodejs functions in processes when asked (STRATUS_TIER=process):
    without its jail helper or node it says so at start and runs isolates only."""
    if not os.path.exists("/usr/bin/node"):
        return False
    with open(server.log_path, "rb") as f:
        text = f.read()
    return b"isolates only" not in text and b"nodejs*.x runs in the" in text


def descendants(pid):
    """PIDs below `pid` in the process tree (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


class StratusTestCase(unittest.TestCase):
    """One server per test class, shared by its tests. If a test leaves the server dead, the
    test fails (no input may crash the server) and the next setUp restarts it on the same
    data dir so the remaining tests still run."""

    server = None
    lam = None
    lam_nv = None  # client-side parameter validation off: lets out-of-range values reach us
    server_args = ()  # extra `stratus serve` flags for this class's server

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        server = StratusServer(extra_args=cls.server_args)
        cls.addClassCleanup(server.cleanup)
        server.start()
        cls._attach(server)

    @classmethod
    def _attach(cls, server):
        cls.server = server
        cls.lam = server.client()
        cls.lam_nv = server.client(validate=False)

    def setUp(self):
        super().setUp()
        if not self.server.alive():
            log("server was dead before %s; restarting it" % self.id())
            self.server.proc = None
            self.server.start()
            type(self)._attach(self.server)

    def tearDown(self):
        alive = self.server.alive()
        super().tearDown()
        if not alive:
            self.fail("the server died during this test (exit code %r)\n%s"
                      % (self.server.proc.poll(), self.server.log_tail()))

    # -- control plane helpers -----------------------------------------------------------------

    def create_function(self, name=None, source=None, zip_bytes=None, files=None,
                        handler="index.handler", runtime=DEFAULT_RUNTIME, client=None,
                        cleanup=True, **kwargs):
        name = name or unique_name()
        if zip_bytes is None:
            if files is None:
                files = {"index.js": source or "exports.handler = async (e) => e;\n"}
            zip_bytes = make_zip(files)
        params = dict(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                      Code={"ZipFile": zip_bytes})
        params.update(kwargs)
        resp = (client or self.lam).create_function(**params)
        if cleanup:
            self.addCleanup(self._quiet_delete, name)
        return name, zip_bytes, resp

    def _quiet_delete(self, name):
        if not self.server.alive():
            return
        try:
            self.lam.delete_function(FunctionName=name)
        except Exception:
            pass

    def invoke(self, name, payload=None, raw_payload=None, client=None, tail=True, **kwargs):
        params = dict(FunctionName=name)
        if raw_payload is not None:
            params["Payload"] = raw_payload
        elif payload is not None:
            params["Payload"] = json.dumps(payload).encode()
        if tail:
            params["LogType"] = "Tail"
        params.update(kwargs)
        return InvokeResult((client or self.lam).invoke(**params))

    def invoke_ok(self, name, payload=None, **kwargs):
        r = self.invoke(name, payload, **kwargs)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        return r.json()

    # -- assertions ---------------------------------------------------------------------------

    def assertAwsError(self, fn, code, status, message=None, message_prefix=None,
                       message_re=None):
        with self.assertRaises(ClientError) as cm:
            fn()
        resp = cm.exception.response
        self.assertEqual(resp["Error"]["Code"], code, resp)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], status, resp)
        msg = resp["Error"].get("Message", "")
        if message is not None:
            self.assertEqual(msg, message, resp)
        if message_prefix is not None:
            self.assertTrue(msg.startswith(message_prefix),
                            "message %r does not start with %r" % (msg, message_prefix))
        if message_re is not None:
            self.assertRegex(msg, message_re)
        return resp

    def assertRawError(self, r, status, error_type, message=None, message_key=None,
                       message_prefix=None, type_field="User"):
        """Lambda's error envelope: status, x-amzn-ErrorType, x-amzn-RequestId and a JSON
        body {"Type": "User", "message"|"Message": ...}."""
        self.assertEqual(r.status, status, r)
        et = r.header("x-amzn-ErrorType")
        self.assertIsNotNone(et, "no x-amzn-ErrorType header: %r" % r)
        self.assertEqual(et.split(":")[0], error_type, r)
        self.assertTrue(r.header("x-amzn-RequestId"), "no x-amzn-RequestId: %r" % r)
        body = r.json()
        self.assertIsInstance(body, dict)
        if type_field is not None:
            self.assertEqual(body.get("Type"), type_field, body)
        if message_key is not None:
            self.assertIn(message_key, body, body)
            text = body[message_key]
        else:
            self.assertTrue("message" in body or "Message" in body, body)
            text = body.get("message", body.get("Message"))
        if message is not None:
            self.assertEqual(text, message, body)
        if message_prefix is not None:
            self.assertTrue(text.startswith(message_prefix),
                            "message %r does not start with %r" % (text, message_prefix))
        return body

    def assertUuid(self, value):
        self.assertRegex(value, UUID_RE)


def main():
    """Runs the calling module's tests; exits non-zero on any failure or error."""
    unittest.main(module="__main__", verbosity=2)
