#!/usr/bin/env python3
"""Runs the Node.js handler corpus (tests/corpus/<case>/case.json) under plain node and in
Stratus with the same event, and compares the two outcomes.

Each case is assembled once into a deployment zip (its handler files plus the node_modules it
needs from the corpus deps, or an esbuild bundle). That same zip is
  * unpacked into a temporary task root and run by plain node through plain_node_driver.mjs
    (which loads the handler the way Lambda's runtime interface client does), with an
    environment like Lambda's plus the case's `env`;
  * deployed to a `stratus serve` on 127.0.0.1 (started here, or --endpoint) with boto3 and
    invoked with the same event.
Both outcomes (the returned JSON, or errorType/errorMessage of a function error) are put
through the case's own `normalize` rules (each names one field and what it may legitimately
differ in: request ids, timestamps, host names, durations, random ids) and compared.

Prints a table (case, plain node ok, stratus ok, equal) and exits non-zero if any case that
plain node runs correctly fails or differs in Stratus.

Runtime-provided modules: Lambda's Node.js runtimes ship the AWS SDK for JavaScript v3 in
/var/runtime/node_modules; cases import @aws-sdk/* without bundling it. For the plain-node run
the SDK directory (STRATUS_NODE_SDK, default third_party/node-sdk/node_modules, installed by
scripts/deps-node-sdk.sh) is put on NODE_PATH where /var/runtime/node_modules would be.
Cases whose `runtime_sdk` packages are missing there are reported as skipped.

Third-party npm packages (express, middy, Powertools, esbuild, ...) come from
STRATUS_CORPUS_DEPS (default third_party/corpus-deps/node_modules), installed by
tests/corpus/setup.sh from the committed package-lock.json.

SDK clients in the cases talk only to the Stratus server (AWS_ENDPOINT_URL={endpoint} in the
case env). Every wait is bounded; every process started here is stopped by its PID.

Usage:
  python3 tests/corpus/run_corpus.py [--only NAME[,NAME]] [--plain-only] [--endpoint URL]
                                     [--json OUT] [--verbose]
"""
import argparse
import base64
import copy
import fnmatch
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

CORPUS_DEPS = os.environ.get("STRATUS_CORPUS_DEPS",
                             os.path.join(REPO, "third_party", "corpus-deps", "node_modules"))
NODE_SDK = os.environ.get("STRATUS_NODE_SDK",
                          os.path.join(REPO, "third_party", "node-sdk", "node_modules"))
NODE_BIN = os.environ.get("STRATUS_NODE", shutil.which("node") or "/usr/bin/node")
DRIVER = os.path.join(HERE, "plain_node_driver.mjs")

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"

PLAIN_GRACE_S = 15      # plain node: case timeout + this, then SIGKILL of its process group
BUILD_TIMEOUT_S = 120   # one esbuild run
INVOKE_READ_TIMEOUT_S = 120
ACTIVE_WAIT_S = 60      # function State Pending -> Active

# Files in a case directory that are never deployed.
NOT_DEPLOYED = {"case.json", "README.md", "NOTES.md"}
NOT_DEPLOYED_DIRS = {"events", "src-build-only"}


class CaseError(Exception):
    pass


# ------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------

def load_cases(only=None):
    cases = []
    for name in sorted(os.listdir(HERE)):
        d = os.path.join(HERE, name)
        cj = os.path.join(d, "case.json")
        if not os.path.isfile(cj):
            continue
        if only and name not in only:
            continue
        with open(cj) as f:
            spec = json.load(f)
        spec["name"] = name
        spec["dir"] = d
        cases.append(spec)
    if only:
        missing = set(only) - {c["name"] for c in cases}
        if missing:
            raise SystemExit("no such case(s): %s" % ", ".join(sorted(missing)))
    return cases


def case_event(case):
    if "event_file" in case:
        with open(os.path.join(case["dir"], case["event_file"])) as f:
            return json.load(f)
    return case.get("event", {})


def substitute(value, endpoint):
    if isinstance(value, str):
        return value.replace("{endpoint}", endpoint or "http://127.0.0.1:9")
    return value


def case_env(case, endpoint):
    return {k: substitute(v, endpoint) for k, v in (case.get("env") or {}).items()}


def function_name(case):
    return "corpus-" + case["name"]


# ------------------------------------------------------------------------------------------
# Dependencies and assembly
# ------------------------------------------------------------------------------------------

def deps_status():
    """(ok, reason) for the corpus npm deps installed by setup.sh."""
    if not os.path.isdir(CORPUS_DEPS):
        return False, "corpus deps not installed (%s missing): run tests/corpus/setup.sh" % CORPUS_DEPS
    marker = os.path.join(os.path.dirname(CORPUS_DEPS), ".corpus-lock-sha256")
    if not os.path.isfile(marker):
        return False, "corpus deps incomplete (no %s): run tests/corpus/setup.sh" % marker
    return True, ""


def sdk_missing(case):
    return [p for p in case.get("runtime_sdk", [])
            if not os.path.isfile(os.path.join(NODE_SDK, p, "package.json"))]


def _pkg_dir(name, from_dir):
    """Node's lookup of package `name` from inside from_dir, limited to CORPUS_DEPS."""
    root = os.path.abspath(CORPUS_DEPS)
    d = os.path.abspath(from_dir)
    while True:
        cand = os.path.join(root, name) if d == root else os.path.join(d, "node_modules", name)
        if os.path.isfile(os.path.join(cand, "package.json")):
            return cand
        if d == root or len(d) <= len(root):
            return None
        d = os.path.dirname(d)


def dependency_closure(names):
    """Directories (relative to CORPUS_DEPS) of the packages `names` need at run time."""
    seen = {}
    todo = [(n, CORPUS_DEPS, None) for n in names]
    while todo:
        name, from_dir, parent = todo.pop()
        pdir = _pkg_dir(name, from_dir)
        if pdir is None:
            if parent is None:
                raise CaseError("npm package %r is not in %s (add it to tests/corpus/package.json)"
                                % (name, CORPUS_DEPS))
            continue  # an optional dependency that is not installed
        rel = os.path.relpath(pdir, CORPUS_DEPS)
        if rel in seen:
            continue
        seen[rel] = pdir
        with open(os.path.join(pdir, "package.json")) as f:
            pj = json.load(f)
        deps = dict(pj.get("dependencies") or {})
        deps.update(pj.get("optionalDependencies") or {})
        for dep in deps:
            todo.append((dep, pdir, name))
    # A nested package is copied with its parent directory.
    rels = sorted(seen)
    keep = [r for r in rels if not any(r.startswith(o + os.sep) for o in rels if o != r)]
    return keep


def _walk_files(root, base_rel=""):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".bin")
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            if os.path.islink(full) and not os.path.exists(full):
                continue
            rel = os.path.join(base_rel, os.path.relpath(full, root))
            with open(full, "rb") as f:
                out[rel.replace(os.sep, "/")] = f.read()
    return out


def _case_files(case):
    files = {}
    d = case["dir"]
    include = case.get("files")
    for dirpath, dirnames, filenames in os.walk(d):
        rel_dir = os.path.relpath(dirpath, d)
        if rel_dir == ".":
            dirnames[:] = sorted(x for x in dirnames if x not in NOT_DEPLOYED_DIRS)
        else:
            dirnames.sort()
        for fn in sorted(filenames):
            rel = os.path.normpath(os.path.join(rel_dir, fn)).replace(os.sep, "/")
            if rel in NOT_DEPLOYED:
                continue
            if include is not None and not any(fnmatch.fnmatch(rel, p) for p in include):
                continue
            with open(os.path.join(dirpath, fn), "rb") as f:
                files[rel] = f.read()
    return files


def esbuild_bundle(case, build):
    exe = os.path.join(CORPUS_DEPS, ".bin", "esbuild")
    if not os.path.exists(exe):
        raise CaseError("esbuild not installed in %s: run tests/corpus/setup.sh" % CORPUS_DEPS)
    out_dir = tempfile.mkdtemp(prefix="stratus-corpus-build-")
    try:
        outfile = os.path.join(out_dir, build["outfile"])
        cmd = [exe, os.path.join(case["dir"], build["entry"]), "--bundle", "--platform=node",
               "--outfile=" + outfile, "--format=" + build.get("format", "cjs"),
               "--target=" + build.get("target", "node20"), "--log-level=warning"]
        for ext in build.get("external", ["@aws-sdk/*"]):
            cmd.append("--external:" + ext)
        if build.get("minify"):
            cmd.append("--minify")
        if build.get("sourcemap"):
            cmd.append("--sourcemap")
        if build.get("keep_names"):
            cmd.append("--keep-names")
        if build.get("banner"):
            cmd.append("--banner:js=" + build["banner"])
        if build.get("main_fields"):
            cmd.append("--main-fields=" + build["main_fields"])
        if build.get("tsconfig"):
            cmd.append("--tsconfig=" + os.path.join(case["dir"], build["tsconfig"]))
        env = dict(os.environ)
        env["NODE_PATH"] = CORPUS_DEPS  # esbuild resolves bare imports through NODE_PATH too
        p = subprocess.run(cmd, capture_output=True, timeout=BUILD_TIMEOUT_S, env=env,
                           cwd=case["dir"], stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise CaseError("esbuild failed:\n%s" % (p.stderr.decode("utf-8", "replace")[-3000:]))
        return _walk_files(out_dir)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def assemble(case):
    """The case's deployment package: {zip path: bytes}."""
    files = {}
    build = case.get("build")
    if build:
        files.update(esbuild_bundle(case, build))
        for rel in build.get("also", []):
            with open(os.path.join(case["dir"], rel), "rb") as f:
                files[os.path.basename(rel) if build.get("flatten_also") else rel] = f.read()
    else:
        files.update(_case_files(case))
    for rel in dependency_closure(case.get("needs", [])) if not build else []:
        files.update(_walk_files(os.path.join(CORPUS_DEPS, rel), os.path.join("node_modules", rel)))
    for path in files:
        if path.startswith("node_modules/@aws-sdk/client-") or path.startswith("node_modules/aws-sdk/"):
            raise CaseError("%s bundles the runtime-provided SDK (%s)" % (case["name"], path))
    return files


def make_zip(files):
    import harness  # tests/e2e/harness.py: deterministic zips
    return harness.make_zip(files)


# ------------------------------------------------------------------------------------------
# Plain node
# ------------------------------------------------------------------------------------------

def _trace_id():
    return "Root=1-%08x-%s;Parent=%s;Sampled=0" % (int(time.time()), secrets.token_hex(12),
                                                   secrets.token_hex(8))


def lambda_like_env(case, task_root, endpoint):
    name = function_name(case)
    mem = str(case.get("memory", 128))
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": mem,
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/" + name,
        "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime())
                                      + secrets.token_hex(16),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": "AWS_Lambda_" + case.get("runtime", "nodejs20.x"),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "_HANDLER": case["handler"],
        "_X_AMZN_TRACE_ID": _trace_id(),
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        # Loopback only: nothing is sent unless a trace is sampled (Sampled=0 above).
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1",
        "_AWS_XRAY_DAEMON_PORT": "2000",
        "AWS_ACCESS_KEY_ID": "ASIA" + secrets.token_hex(8).upper(),
        "AWS_SECRET_ACCESS_KEY": secrets.token_hex(20),
        "AWS_SESSION_TOKEN": secrets.token_hex(32),
        # Lambda's order, with the SDK dir where /var/runtime/node_modules is.
        "NODE_PATH": ":".join(["/opt/nodejs/node20/node_modules", "/opt/nodejs/node_modules",
                               NODE_SDK, "/var/runtime", task_root]),
    }
    if endpoint:
        env["AWS_ENDPOINT_URL_LAMBDA"] = endpoint
    env.update(case_env(case, endpoint))
    return env


def run_plain(case, zip_bytes, event, endpoint, verbose=False):
    """-> outcome dict {"kind": "result"|"error", ...} plus "log"."""
    work = tempfile.mkdtemp(prefix="stratus-corpus-plain-")
    try:
        task = os.path.join(work, "task")
        os.makedirs(task)
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
            z.extractall(task)
        ev = os.path.join(work, "event.json")
        with open(ev, "w") as f:
            json.dump(event, f)
        res = os.path.join(work, "result.json")
        timeout_s = int(case.get("timeout", 10))
        cmd = [NODE_BIN, DRIVER, "--task", task, "--handler", case["handler"], "--event", ev,
               "--result", res, "--timeout-ms", str(timeout_s * 1000),
               "--request-id", str(uuid.uuid4()),
               "--function-arn", "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT,
                                                                      function_name(case))]
        env = lambda_like_env(case, task, endpoint)
        env["PATH"] = env["PATH"] + ":" + os.path.dirname(NODE_BIN)
        proc = subprocess.Popen(cmd, cwd=task, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout_s + PLAIN_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate(timeout=10)
            return {"kind": "error", "phase": "harness",
                    "error": {"errorType": "Harness.Timeout",
                              "errorMessage": "plain node did not finish in %d s" %
                                              (timeout_s + PLAIN_GRACE_S)},
                    "log": out.decode("utf-8", "replace")}
        finally:
            # Anything the handler left running in its session (it shares the driver's group).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        log = out.decode("utf-8", "replace")
        if not os.path.isfile(res):
            return {"kind": "error", "phase": "harness",
                    "error": {"errorType": "Harness.NoResult",
                              "errorMessage": "driver exited %r without a result" % proc.returncode},
                    "log": log}
        with open(res) as f:
            outcome = json.load(f)
        outcome["log"] = log
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# Stratus
# ------------------------------------------------------------------------------------------

def run_stratus(lam, case, zip_bytes, event, endpoint):
    from botocore.exceptions import ClientError
    name = function_name(case)
    try:
        lam.delete_function(FunctionName=name)
    except ClientError:
        pass
    params = dict(FunctionName=name, Runtime=case.get("runtime", "nodejs20.x"), Role=ROLE,
                  Handler=case["handler"], Code={"ZipFile": zip_bytes},
                  Timeout=int(case.get("timeout", 10)), MemorySize=int(case.get("memory", 128)))
    env = case_env(case, endpoint)
    if env:
        params["Environment"] = {"Variables": env}
    if case.get("tracing"):
        params["TracingConfig"] = {"Mode": case["tracing"]}
    try:
        lam.create_function(**params)
    except ClientError as e:
        return {"kind": "error", "phase": "create",
                "error": {"errorType": "CreateFunction." + e.response["Error"]["Code"],
                          "errorMessage": e.response["Error"].get("Message", "")}, "log": ""}
    try:
        deadline = time.monotonic() + ACTIVE_WAIT_S
        while time.monotonic() < deadline:
            cfg = lam.get_function_configuration(FunctionName=name)
            if cfg.get("State") != "Pending":
                break
            time.sleep(0.1)
        resp = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
        body = resp["Payload"].read()
        log = base64.b64decode(resp.get("LogResult") or b"").decode("utf-8", "replace")
        if resp.get("FunctionError"):
            try:
                err = json.loads(body)
            except ValueError:
                err = {"errorType": "Harness.BadErrorBody", "errorMessage": body[:500].decode(
                    "utf-8", "replace")}
            if not isinstance(err, dict):
                err = {"errorType": "Harness.BadErrorBody", "errorMessage": repr(err)}
            return {"kind": "error", "phase": "invoke", "error": err, "log": log}
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            return {"kind": "error", "phase": "harness",
                    "error": {"errorType": "Harness.NotJson",
                              "errorMessage": body[:500].decode("utf-8", "replace")}, "log": log}
        return {"kind": "result", "payload": payload, "log": log}
    except ClientError as e:
        return {"kind": "error", "phase": "invoke",
                "error": {"errorType": "Invoke." + e.response["Error"]["Code"],
                          "errorMessage": e.response["Error"].get("Message", "")}, "log": ""}
    finally:
        try:
            lam.delete_function(FunctionName=name)
        except Exception:
            pass


# ------------------------------------------------------------------------------------------
# Normalisation and comparison
# ------------------------------------------------------------------------------------------

_MISSING = object()


def _split_path(path):
    return [int(p) if p.isdigit() else p for p in path.split(".")] if path else []


def _get(obj, parts):
    for p in parts:
        if isinstance(obj, dict) and p in obj:
            obj = obj[p]
        elif isinstance(obj, list) and isinstance(p, int) and p < len(obj):
            obj = obj[p]
        else:
            return _MISSING
    return obj


def _set(obj, parts, value):
    for p in parts[:-1]:
        obj = obj[p]
    if value is _MISSING:
        del obj[parts[-1]]
    else:
        obj[parts[-1]] = value


_TYPES = {"int": int, "number": (int, float), "string": str, "array": list, "object": dict,
          "bool": bool}


def normalize(outcome, rules):
    """Applies the case's rules to a copy of the comparable part of an outcome.
    A rule names one `path` (dotted, into the payload, or into the error for `on: error`) and:
      parse_json: true          the string there is JSON; compare it parsed
      match: REGEX              the value (a string) must fully match; it is then replaced by
                                `replace` (default "<normalized>"); if it does not match it is
                                left alone, so the difference shows
      type: int|number|...      the value must have this JSON type; replaced likewise
      sub: [REGEX, REPL]        re.sub inside the string (for a timestamp inside a sentence)
      drop: true                the field is removed (it must exist)
    Returns (normalized, problems)."""
    problems = []
    if outcome["kind"] == "result":
        target = {"payload": copy.deepcopy(outcome.get("payload"))}
        prefix = ["payload"]
    else:
        err = outcome.get("error") or {}
        target = {"error": {"errorType": err.get("errorType"),
                            "errorMessage": err.get("errorMessage")}}
        prefix = ["error"]
    for rule in rules:
        if rule.get("on", "result") != ("result" if outcome["kind"] == "result" else "error"):
            continue
        parts = prefix + _split_path(rule.get("path", ""))
        val = _get(target, parts)
        if val is _MISSING:
            if not rule.get("optional"):
                problems.append("normalize: %s missing" % rule.get("path"))
            continue
        if rule.get("parse_json"):
            try:
                _set(target, parts, json.loads(val))
            except (TypeError, ValueError):
                problems.append("normalize: %s is not JSON" % rule.get("path"))
            continue
        if rule.get("drop"):
            _set(target, parts, _MISSING)
            continue
        if "sub" in rule:
            if isinstance(val, str):
                _set(target, parts, re.sub(rule["sub"][0], rule["sub"][1], val))
            else:
                problems.append("normalize: %s is not a string" % rule.get("path"))
            continue
        placeholder = rule.get("replace", "<normalized>")
        if "match" in rule:
            if isinstance(val, str) and re.fullmatch(rule["match"], val):
                _set(target, parts, placeholder)
            else:
                problems.append("normalize: %s=%r does not match %s" % (rule.get("path"), val,
                                                                       rule["match"]))
            continue
        if "type" in rule:
            t = _TYPES[rule["type"]]
            if isinstance(val, t) and not (rule["type"] in ("int", "number") and isinstance(val, bool)):
                _set(target, parts, placeholder)
            else:
                problems.append("normalize: %s=%r is not %s" % (rule.get("path"), val, rule["type"]))
            continue
    return target, problems


def _subset(expected, actual):
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(v, actual[k])
                                                for k, v in expected.items())
    return expected == actual


def check_expect(case, outcome, normalized):
    """Problems with an outcome against the case's `expect` (on the normalized value)."""
    exp = case.get("expect") or {}
    problems = []
    want_error = "error_type" in exp
    if want_error:
        if outcome["kind"] != "error" or outcome.get("phase") != "invoke":
            problems.append("expected function error %s, got %s" % (exp["error_type"], outcome["kind"]))
        elif (outcome.get("error") or {}).get("errorType") != exp["error_type"]:
            problems.append("errorType %r != %r" % ((outcome.get("error") or {}).get("errorType"),
                                                   exp["error_type"]))
        if "error_message" in exp and (outcome.get("error") or {}).get("errorMessage") != exp["error_message"]:
            problems.append("errorMessage %r != %r" % ((outcome.get("error") or {}).get("errorMessage"),
                                                      exp["error_message"]))
    else:
        if outcome["kind"] != "result":
            err = outcome.get("error") or {}
            problems.append("%s error %s: %s" % (outcome.get("phase"), err.get("errorType"),
                                                 str(err.get("errorMessage"))[:300]))
        elif "payload" in exp and not _subset(exp["payload"], normalized.get("payload")):
            problems.append("payload does not contain %s" % json.dumps(exp["payload"])[:300])
    for needle in exp.get("log_contains", []):
        if needle not in (outcome.get("log") or ""):
            problems.append("log lacks %r" % needle)
    return problems


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------

class CaseResult:
    def __init__(self, name):
        self.name = name
        self.skipped = None      # reason
        self.plain_ok = False
        self.stratus_ok = False
        self.equal = False
        self.problems = []       # human-readable
        self.plain = None
        self.stratus = None
        self.zip_size = 0
        self.seconds = 0.0

    @property
    def passed(self):
        return self.skipped is not None or not self.plain_ok or (self.stratus_ok and self.equal)

    def as_json(self):
        strip = lambda o: None if o is None else {k: v for k, v in o.items()}
        return {"name": self.name, "skipped": self.skipped, "plain_ok": self.plain_ok,
                "stratus_ok": self.stratus_ok, "equal": self.equal, "problems": self.problems,
                "plain": strip(self.plain), "stratus": strip(self.stratus),
                "zip_size": self.zip_size, "seconds": round(self.seconds, 2)}


def run_case(case, lam=None, endpoint=None, verbose=False):
    r = CaseResult(case["name"])
    t0 = time.monotonic()
    try:
        missing = sdk_missing(case)
        if missing:
            r.skipped = "runtime SDK lacks %s (%s)" % (", ".join(missing), NODE_SDK)
            return r
        try:
            zip_bytes = make_zip(assemble(case))
        except CaseError as e:
            r.skipped = "cannot assemble: %s" % e
            return r
        r.zip_size = len(zip_bytes)
        event = case_event(case)
        rules = case.get("normalize", [])

        r.plain = run_plain(case, zip_bytes, event, endpoint, verbose)
        plain_n, plain_np = normalize(r.plain, rules)
        pp = check_expect(case, r.plain, plain_n) + plain_np
        r.plain_ok = not pp
        r.problems += ["plain: " + p for p in pp]

        if lam is None:
            return r
        r.stratus = run_stratus(lam, case, zip_bytes, event, endpoint)
        st_n, st_np = normalize(r.stratus, rules)
        sp = check_expect(case, r.stratus, st_n) + st_np
        r.stratus_ok = not sp
        r.problems += ["stratus: " + p for p in sp]
        r.equal = plain_n == st_n
        if not r.equal:
            r.problems.append("differs: plain %s | stratus %s" % (
                json.dumps(plain_n, sort_keys=True)[:600], json.dumps(st_n, sort_keys=True)[:600]))
        return r
    finally:
        r.seconds = time.monotonic() - t0


def print_table(results, out=sys.stdout, with_stratus=True):
    w = max([len(r.name) for r in results] + [4])
    yn = lambda b: "yes" if b else "NO"
    hdr = "%-*s  %-5s  %-7s  %-5s  %s" % (w, "case", "plain", "stratus", "equal", "note")
    out.write(hdr + "\n" + "-" * len(hdr) + "\n")
    for r in results:
        if r.skipped:
            out.write("%-*s  %-5s  %-7s  %-5s  skipped: %s\n" % (w, r.name, "-", "-", "-", r.skipped))
            continue
        note = " ".join(r.problems[0].split())[:150] if r.problems else ""
        out.write("%-*s  %-5s  %-7s  %-5s  %s\n" % (
            w, r.name, yn(r.plain_ok), yn(r.stratus_ok) if with_stratus else "-",
            yn(r.equal) if with_stratus else "-", note))
    ran = [r for r in results if not r.skipped]
    out.write("\n%d cases: %d plain ok, %d stratus ok, %d equal, %d skipped\n" % (
        len(results), sum(r.plain_ok for r in ran), sum(r.stratus_ok for r in ran),
        sum(r.equal for r in ran), len(results) - len(ran)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="comma-separated case names")
    ap.add_argument("--plain-only", action="store_true", help="no Stratus: plain node only")
    ap.add_argument("--endpoint", help="use a running Stratus at this URL instead of starting one")
    ap.add_argument("--json", help="write every outcome (with logs) to this file")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every problem and log")
    a = ap.parse_args(argv)

    ok, why = deps_status()
    if not ok:
        print("corpus: " + why)
        return 2
    cases = load_cases(set(a.only.split(",")) if a.only else None)

    server = None
    lam = None
    endpoint = a.endpoint
    try:
        if not a.plain_only:
            import harness
            if not endpoint:
                server = harness.StratusServer()
                server.start()
                endpoint = server.endpoint
                print("corpus: %s (pid %d)" % (server.banner, server.pid))
            lam = harness.lambda_client(endpoint, read_timeout=INVOKE_READ_TIMEOUT_S)
        results = []
        for case in cases:
            r = run_case(case, lam, endpoint, a.verbose)
            results.append(r)
            sys.stderr.write("[corpus] %-28s %5.1fs %s\n" % (
                r.name, r.seconds, "skipped" if r.skipped else
                ("plain-fail" if not r.plain_ok else
                 ("plain-ok" if lam is None else ("pass" if r.passed else "FAIL")))))
            if a.verbose:
                for p in r.problems:
                    sys.stderr.write("    %s\n" % p)
                for side in ("plain", "stratus"):
                    o = getattr(r, side)
                    if o and o.get("log"):
                        sys.stderr.write("    --- %s log ---\n    %s\n" % (
                            side, o["log"][-1500:].replace("\n", "\n    ")))
    finally:
        if server is not None:
            server.cleanup()
    print_table(results, with_stratus=lam is not None)
    if a.json:
        with open(a.json, "w") as f:
            json.dump([r.as_json() for r in results], f, indent=1)
    failed = [r.name for r in results if not r.passed]
    if lam is None:
        failed = [r.name for r in results if not r.skipped and not r.plain_ok]
    if failed:
        print("corpus: FAILED: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
