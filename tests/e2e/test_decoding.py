#!/usr/bin/env python3
"""Every Lambda request body is decoded before anything acts on it (issue 8).

Generated from botocore's service model: for every operation this server serves that takes a
JSON body, and every member of its input in the body (nested structure members too), a value
of each wrong JSON type, null, a 1 MB string and 50,000 levels of [ and { are sent over raw
HTTP. Each answer must be a 4xx in AWS's error shape (x-amzn-ErrorType, x-amzn-RequestId, a
JSON body with a message) -- never a 5xx -- and the server must stay up. The attacks that ended
or stalled the server ("Publish": null, deep JSON in configuration fields, invoke payloads full
of 1e999, wrong types in TracingConfig.Mode / PackageType / alias Name / DryRun) have tests of
their own. Throughout, a canary function is invoked in parallel and must keep answering.

Error types (see triggers/request_decoder.h for the sources): a member of the wrong JSON type
is 400 SerializationException; bytes that are not JSON, or nest deeper than 128, are 400
InvalidRequestContentException; null is the member absent (400 ValidationException when the
member is required); constraint violations are 400 ValidationException.
"""
import base64
import concurrent.futures
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore  # noqa: E402

# The model the shape tables were generated from, read the way the generator reads it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "triggers"))
from gen_lambda_shapes import load_model  # noqa: E402
from harness import (ROLE, StratusTestCase, function_arn, log, main, make_zip,  # noqa: E402
                     unique_name)

ECHO = "exports.handler = async (event) => event;\n"
# What the function saw: numbers beyond double range arrive as Infinity (JSON.parse's reading).
SEES = ("exports.handler = async (e) => ({count: e.n.length, "
        "allInfinite: e.n.every(x => x === Infinity), pad: e.pad.length});\n")
JSON_HEADERS = {"Content-Type": "application/json"}
DEEP = 50000
HUGE = 1 << 20
WORKERS = 3
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


MODEL = load_model()
SHAPES = MODEL["shapes"]


def generated_from_same_model():
    """The server's decoder tables (triggers/lambda_shapes.cc) name the botocore they came from;
    exact error types are asserted only against that model (a newer botocore may add members
    the server does not know yet, which it ignores, as AWS ignores unknown members)."""
    try:
        with open(os.path.join(SOURCE_DIR, "triggers", "lambda_shapes.cc")) as f:
            head = f.read(400)
    except OSError:
        return False
    return ("botocore %s's" % botocore.__version__) in head


STRICT = generated_from_same_model()


def deep_array():
    return "[" * DEEP + "]" * DEEP


def deep_object():
    return '{"a":' * DEEP + "1" + "}" * DEEP


# Values of each JSON type, spelled as JSON text.
WRONG = {
    "string": '"x"', "number": "12345", "float": "1.5", "bool": "true", "list": "[1]",
    "object": '{"a": 1}',
}
WRONG_FOR = {
    "string": ["number", "bool", "list", "object"],
    "blob": ["number", "bool", "list", "object"],
    "integer": ["string", "float", "bool", "list", "object"],
    "long": ["string", "float", "bool", "list", "object"],
    "double": ["string", "bool", "list", "object"],
    "float": ["string", "bool", "list", "object"],
    "boolean": ["string", "number", "list", "object"],
    "timestamp": ["bool", "list", "object"],
    "list": ["string", "number", "object"],
    "map": ["string", "number", "list"],
    "structure": ["string", "number", "list", "bool"],
}
# Element / value of each collection given a wrong type.
ELEMENT_WRONG = {"string": "12345", "blob": "12345", "integer": '"x"', "long": '"x"',
                 "double": '"x"', "float": '"x"', "boolean": '"x"', "timestamp": "true",
                 "list": '"x"', "map": '"x"', "structure": '"x"'}


# Operations served by api_server.cc (its route table names them).
SERVED = ["CreateFunction", "ListFunctions", "GetFunction", "DeleteFunction",
          "GetFunctionConfiguration", "UpdateFunctionConfiguration", "UpdateFunctionCode",
          "Invoke", "InvokeAsync", "PublishVersion", "ListVersionsByFunction", "CreateAlias",
          "ListAliases", "GetAlias", "UpdateAlias", "DeleteAlias", "PutFunctionConcurrency",
          "GetFunctionConcurrency", "DeleteFunctionConcurrency", "PutProvisionedConcurrencyConfig",
          "GetProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig",
          "ListProvisionedConcurrencyConfigs", "GetAccountSettings", "TagResource", "ListTags",
          "UntagResource", "PublishLayerVersion", "GetLayerVersion", "GetLayerVersionByArn",
          "ListLayers", "ListLayerVersions", "DeleteLayerVersion", "AddLayerVersionPermission",
          "GetLayerVersionPolicy", "RemoveLayerVersionPermission"]


LAYER = "declayer"  # published in setUpClass: the layer routes' target


def parameter_route(op, target):
    """(method, path) of op from the model's requestUri, naming the target function."""
    http = MODEL["operations"][op]["http"]
    uri = http["requestUri"]
    for label, value in (("{FunctionName}", target), ("{Name}", "live"),
                         ("{Resource}", urllib.parse.quote(function_arn(target), safe="")),
                         ("{LayerName}", LAYER), ("{VersionNumber}", "1"),
                         ("{StatementId}", "s1")):
        uri = uri.replace(label, value)
    return http["method"], uri


def parameter_cases():
    """(op, member, location, wire name, value, expected error type) for every query-string
    and header member of every served operation, with values its shape refuses."""
    serialization = "SerializationException" if STRICT else "4xx"
    validation = "ValidationException" if STRICT else "4xx"
    out = []
    for op in SERVED:
        inp = MODEL["operations"][op].get("input")
        if not inp:
            continue
        for name, m in SHAPES[inp["shape"]].get("members", {}).items():
            location = m.get("location")
            if location not in ("querystring", "header"):
                continue
            wire = m.get("locationName", name)
            s = SHAPES[m["shape"]]
            cases = []
            if s["type"] in ("integer", "long"):
                cases += [(v, serialization) for v in ("abc", "1.5", "", "+1", "99999999999999999999")]
                if "min" in s:
                    cases.append((str(int(s["min"]) - 1), validation))
                if "max" in s:
                    cases.append((str(int(s["max"]) + 1), validation))
            elif s["type"] == "string":
                if "enum" in s:
                    cases.append(("NotOneOfThem", validation))
                if "pattern" in s:
                    cases.append(("bad!value", validation))
                if "max" in s:
                    cases.append(("a" * (int(s["max"]) + 1), validation))
                cases.append(("x" * 8192, "any"))
            for value, expect in cases:
                out.append((op, name, location, wire, value, expect))
    return out


class Case:
    def __init__(self, op, path, kind, value_text, expect):
        self.op = op
        self.path = path            # member names from the body's root
        self.kind = kind
        self.value_text = value_text  # JSON text placed at path
        self.expect = expect        # expected x-amzn-ErrorType, "4xx" (any client error) or "any"

    def __repr__(self):
        return "%s %s %s" % (self.op, ".".join(self.path), self.kind)


# Operations whose bodies carry a zip: 70167211 bytes; every other body has 1 MiB
# (triggers/request_limits.h).
CODE_UPLOADS = {"CreateFunction", "UpdateFunctionCode", "PublishLayerVersion"}


def body_members(op):
    """(name, member) of the op's input bound to the JSON body."""
    inp = SHAPES[MODEL["operations"][op]["input"]["shape"]]
    required = set(inp.get("required", []))
    return [(n, m, n in required) for n, m in inp.get("members", {}).items() if not m.get("location")]


def cases_for(op):
    out = []

    def visit(path, shape_name, required, depth):
        s = SHAPES[shape_name]
        t = s["type"]
        serialization = "SerializationException" if STRICT else "4xx"
        for w in WRONG_FOR[t]:
            out.append(Case(op, path, "wrong type " + w, WRONG[w], serialization))
        out.append(Case(op, path, "null", "null", "ValidationException" if required and STRICT
                        else ("4xx" if required else "any")))
        if op not in CODE_UPLOADS:
            # Past the 1 MiB body limit of a control operation: refused before it is read.
            out.append(Case(op, path, "1 MB string", json.dumps("a" * HUGE),
                            "RequestEntityTooLargeException"))
        elif t in ("string", "blob"):
            out.append(Case(op, path, "1 MB string", json.dumps("a" * HUGE), "4xx"))
        else:
            out.append(Case(op, path, "1 MB string", json.dumps("a" * HUGE), serialization))
        out.append(Case(op, path, "deep [", deep_array(), "InvalidRequestContentException"))
        out.append(Case(op, path, "deep {", deep_object(), "InvalidRequestContentException"))
        if t == "list":
            et = SHAPES[s["member"]["shape"]]["type"]
            out.append(Case(op, path, "element wrong type", "[%s]" % ELEMENT_WRONG[et], serialization))
            out.append(Case(op, path, "element null", "[null]", serialization))
        if t == "map":
            vt = SHAPES[s["value"]["shape"]]["type"]
            out.append(Case(op, path, "value wrong type", '{"Ab": %s}' % ELEMENT_WRONG[vt], serialization))
            out.append(Case(op, path, "value null", '{"Ab": null}', serialization))
        if t == "structure" and depth < 3:
            req = set(s.get("required", []))
            for n, m in s.get("members", {}).items():
                visit(path + [n], m["shape"], n in req, depth + 1)
        if t == "list" and SHAPES[s["member"]["shape"]]["type"] == "structure" and depth < 3:
            # A list of structures: each member of the element, inside a one-element list.
            es = SHAPES[s["member"]["shape"]]
            for n, m in es.get("members", {}).items():
                visit(path + ["[0]", n], m["shape"], False, depth + 1)

    for name, member, required in body_members(op):
        visit([name], member["shape"], required, 0)
    return out


def place(base, path, value_text):
    """JSON text of `base` with `value_text` at `path` ("[0]" steps into a one-element list)."""
    marker = "\u0000VALUE\u0000"
    doc = json.loads(json.dumps(base))
    node = doc
    for i, step in enumerate(path):
        last = i == len(path) - 1
        nxt = path[i + 1] if not last else None
        if step == "[0]":
            continue
        if last:
            node[step] = marker
        elif nxt == "[0]":
            node[step] = [{}]
            node = node[step][0]
        else:
            if not isinstance(node.get(step), dict):
                node[step] = {}
            node = node[step]
    return json.dumps(doc).replace(json.dumps(marker), value_text)


class Connection:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None, timeout=60):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    self.close()
                return r.status, hdrs, data
            except (http.client.HTTPException, ConnectionError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Canary:
    """Invokes a function over its own connection, back to back, while a test runs."""

    def __init__(self, port, name):
        self.conn = Connection(port)
        self.name = name
        self.stop = threading.Event()
        self.answers = 0
        self.failures = []
        self.worst = 0.0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            start = time.monotonic()
            try:
                status, _, data = self.conn.request(
                    "POST", "/2015-03-31/functions/%s/invocations" % self.name,
                    body=json.dumps({"i": i}), timeout=30)
                ok = status == 200 and json.loads(data) == {"i": i}
                if not ok:
                    self.failures.append((status, data[:200]))
                else:
                    self.answers += 1
            except Exception as e:  # noqa: BLE001 - recorded and asserted on
                self.failures.append(repr(e))
                time.sleep(0.1)
            self.worst = max(self.worst, time.monotonic() - start)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=60)
        self.conn.close()
        return False


class DecodingTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        zip_bytes = make_zip({"index.js": ECHO})
        cls.zip_b64 = base64.b64encode(zip_bytes).decode()
        cls.canary_fn = unique_name("canary")
        cls.target = unique_name("target")
        cls.sees = unique_name("sees")
        for name, src in ((cls.canary_fn, ECHO), (cls.target, ECHO), (cls.sees, SEES)):
            cls.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                    Handler="index.handler", Code={"ZipFile": make_zip({"index.js": src})})
        cls.lam.publish_version(FunctionName=cls.target)
        cls.lam.publish_layer_version(LayerName=LAYER, Content={"ZipFile": zip_bytes})
        cls.lam.create_alias(FunctionName=cls.target, Name="live", FunctionVersion="1")
        # Warm the canary so its first answer is not a cold start.
        cls.lam.invoke(FunctionName=cls.canary_fn, Payload=b"{}")
        cls.created = []

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.server.alive():
                names = [f["FunctionName"] for f in cls.lam.list_functions(MaxItems=1000)["Functions"]
                         if f["FunctionName"].startswith("dec-")]
                for name in names:
                    try:
                        cls.lam.delete_function(FunctionName=name)
                    except Exception:  # noqa: BLE001
                        pass
        finally:
            super().tearDownClass()

    # -- helpers ------------------------------------------------------------------------------

    def canary(self):
        return Canary(self.server.port, self.canary_fn)

    def assertCanaryAnswered(self, canary, min_answers=1, worst_s=10.0):
        self.assertEqual(canary.failures, [], "the canary failed while the test ran")
        self.assertGreaterEqual(canary.answers, min_answers, "the canary did not answer")
        self.assertLess(canary.worst, worst_s, "the canary waited %.1f s for an answer" % canary.worst)

    def assertAlive(self):
        self.assertTrue(self.server.alive(), "the server died\n" + self.server.log_tail())
        self.assertTrue(self.server.healthy(), "the server does not answer its health check")

    def assertClientError(self, status, headers, data, expect, what):
        self.assertLess(status, 500, "%s: %d %r" % (what, status, data[:300]))
        if expect == "any" and status < 400:
            return
        self.assertGreaterEqual(status, 400, "%s: %d %r" % (what, status, data[:300]))
        et = headers.get("x-amzn-errortype")
        self.assertTrue(et, "%s: no x-amzn-ErrorType: %r" % (what, data[:300]))
        self.assertTrue(headers.get("x-amzn-requestid"), "%s: no x-amzn-RequestId" % what)
        if expect not in ("4xx", "any"):
            self.assertEqual(et.split(":")[0], expect, "%s: %r" % (what, data[:300]))
            self.assertEqual(status, 413 if expect == "RequestEntityTooLargeException" else 400, what)
        body = json.loads(data)
        self.assertIsInstance(body, dict, what)
        text = body.get("message", body.get("Message"))
        self.assertIsInstance(text, str, "%s: no message in %r" % (what, body))
        self.assertTrue(text, what)
        return et.split(":")[0]

    def route(self, op):
        """(method, path, base body) for op, against the class's target function."""
        t = self.target
        arn = urllib.parse.quote(function_arn(t), safe="")
        code = {"ZipFile": self.zip_b64}
        routes = {
            "CreateFunction": ("POST", "/2015-03-31/functions",
                               lambda: {"FunctionName": unique_name("dec"), "Role": ROLE,
                                        "Runtime": "nodejs20.x", "Handler": "index.handler",
                                        "Code": dict(code)}),
            "UpdateFunctionCode": ("PUT", "/2015-03-31/functions/%s/code" % t, lambda: dict(code)),
            "UpdateFunctionConfiguration": ("PUT", "/2015-03-31/functions/%s/configuration" % t, dict),
            "PublishVersion": ("POST", "/2015-03-31/functions/%s/versions" % t, dict),
            "CreateAlias": ("POST", "/2015-03-31/functions/%s/aliases" % t,
                            lambda: {"Name": unique_name("a"), "FunctionVersion": "1"}),
            "UpdateAlias": ("PUT", "/2015-03-31/functions/%s/aliases/live" % t, dict),
            "PutFunctionConcurrency": ("PUT", "/2017-10-31/functions/%s/concurrency" % t, dict),
            "PutProvisionedConcurrencyConfig": (
                "PUT", "/2019-09-30/functions/%s/provisioned-concurrency?Qualifier=1" % t, dict),
            "TagResource": ("POST", "/2017-03-31/tags/" + arn, dict),
            "PublishLayerVersion": ("POST", "/2018-10-31/layers/%s/versions" % LAYER,
                                    lambda: {"Content": dict(code)}),
            "AddLayerVersionPermission": (
                "POST", "/2018-10-31/layers/%s/versions/1/policy" % LAYER,
                lambda: {"StatementId": unique_name("s"), "Action": "lambda:GetLayerVersion",
                         "Principal": "*"}),
        }
        return routes[op]

    def run_cases(self, cases):
        """Sends every case on WORKERS keep-alive connections; returns (case, error type)."""
        results = []
        lock = threading.Lock()
        local = threading.local()
        conns = []

        def send(case):
            if not hasattr(local, "conn"):
                local.conn = Connection(self.server.port)
                with lock:
                    conns.append(local.conn)
            method, path, base = self.route(case.op)
            body = place(base(), case.path, case.value_text)
            status, headers, data = local.conn.request(method, path, body=body.encode(),
                                                       headers=JSON_HEADERS)
            return case, status, headers, data

        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            for case, status, headers, data in pool.map(send, cases):
                with self.subTest(case=repr(case)):
                    et = self.assertClientError(status, headers, data, case.expect, repr(case))
                    results.append((case, status, et))
        for c in conns:
            c.close()
        return results

    # -- generated from the model -------------------------------------------------------------

    def check_operation(self, op):
        cases = cases_for(op)
        self.assertGreater(len(cases), 0)
        start = time.monotonic()
        with self.canary() as canary:
            results = self.run_cases(cases)
        tally = {}
        for case, status, et in results:
            key = "%d %s" % (status, et or "")
            tally[key] = tally.get(key, 0) + 1
        log("%s: %d cases in %.1f s (canary: %d answers, worst %.2f s): %s"
            % (op, len(results), time.monotonic() - start, canary.answers, canary.worst,
               ", ".join("%s x%d" % kv for kv in sorted(tally.items()))))
        self.assertAlive()
        self.assertCanaryAnswered(canary)
        # The target is still the function it was.
        g = self.lam.get_function_configuration(FunctionName=self.target)
        self.assertEqual(g["Handler"], "index.handler")
        self.assertEqual(g["Runtime"], "nodejs20.x")

    def test_model_create_function(self):
        self.check_operation("CreateFunction")

    def test_model_update_function_code(self):
        self.check_operation("UpdateFunctionCode")

    def test_model_update_function_configuration(self):
        self.check_operation("UpdateFunctionConfiguration")
        self.assertEqual(self.lam.get_function_configuration(FunctionName=self.target)["Timeout"], 3)

    def test_model_publish_version(self):
        self.check_operation("PublishVersion")

    def test_model_aliases(self):
        self.check_operation("CreateAlias")
        self.check_operation("UpdateAlias")
        self.assertEqual(self.lam.get_alias(FunctionName=self.target, Name="live")["FunctionVersion"], "1")

    def test_model_concurrency_and_tags(self):
        self.check_operation("PutFunctionConcurrency")
        self.check_operation("PutProvisionedConcurrencyConfig")
        self.check_operation("TagResource")
        self.assertNotIn("Concurrency", self.lam.get_function(FunctionName=self.target))
        self.assertEqual(self.lam.list_tags(Resource=function_arn(self.target))["Tags"], {})

    def test_model_layers(self):
        self.check_operation("PublishLayerVersion")
        self.check_operation("AddLayerVersionPermission")
        self.assertEqual(self.lam.get_layer_version(LayerName=LAYER, VersionNumber=1)["Version"], 1)

    def test_every_operation_of_the_model_is_covered(self):
        # The operations above are every route of api_server.cc that takes a JSON body.
        served = {"CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration",
                  "PublishVersion", "CreateAlias", "UpdateAlias", "PutFunctionConcurrency",
                  "PutProvisionedConcurrencyConfig", "TagResource", "PublishLayerVersion",
                  "AddLayerVersionPermission"}
        for op in served:
            self.assertIn(op, MODEL["operations"])
            self.assertTrue(body_members(op), op)
        total = sum(len(cases_for(op)) for op in served)
        log("%d generated cases (botocore %s, exact error types: %s)"
            % (total, botocore.__version__, STRICT))
        self.assertGreater(total, 300)

    def test_model_query_and_header_parameters(self):
        # Every query-string and header member of every served operation, with values its
        # shape refuses: malformed integers are 400 SerializationException, broken enums,
        # patterns and lengths 400 ValidationException, before the handler runs.
        cases = parameter_cases()
        self.assertGreater(len(cases), 30)
        tally = {}
        conns = []
        with self.canary() as canary, concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            local = threading.local()

            def send(case):
                if not hasattr(local, "conn"):
                    local.conn = Connection(self.server.port)
                    conns.append(local.conn)
                op, member, location, wire, value, expect = case
                method, path = parameter_route(op, self.target)
                headers = dict(JSON_HEADERS)
                if location == "header":
                    headers[wire] = value
                else:
                    sep = "&" if "?" in path else "?"
                    path += sep + urllib.parse.urlencode({wire: value})
                body = b"{}" if method in ("POST", "PUT") else None
                return case, local.conn.request(method, path, body=body, headers=headers)

            for case, (status, headers, data) in pool.map(send, cases):
                with self.subTest(case=case[:5]):
                    et = self.assertClientError(status, headers, data, case[5], repr(case[:5]))
                    key = "%d %s" % (status, et or "")
                    tally[key] = tally.get(key, 0) + 1
        for c in conns:
            c.close()
        log("query/header parameters: %d cases: %s" % (len(cases), ", ".join(
            "%s x%d" % kv for kv in sorted(tally.items()))))
        self.assertCanaryAnswered(canary)
        self.assertAlive()

    # -- the attacks that ended the server ----------------------------------------------------

    def post_create(self, conn, **over):
        body = {"FunctionName": unique_name("dec"), "Role": ROLE, "Runtime": "nodejs20.x",
                "Handler": "index.handler", "Code": {"ZipFile": self.zip_b64}}
        body.update(over)
        return conn.request("POST", "/2015-03-31/functions", body=json.dumps(body),
                            headers=JSON_HEADERS)

    def test_publish_null_zero_or_string(self):
        conn = Connection(self.server.port)
        with self.canary() as canary:
            # null is Publish absent: created, nothing published.
            status, headers, data = self.post_create(conn, Publish=None)
            self.assertEqual(status, 201, data)
            self.assertEqual(json.loads(data)["Version"], "$LATEST")
            for bad in (0, "true", 1, [], {}):
                status, headers, data = self.post_create(conn, Publish=bad)
                self.assertClientError(status, headers, data, "SerializationException", "Publish=%r" % (bad,))
            path = "/2015-03-31/functions/%s/code" % self.target
            for bad in (None, 0, "true"):
                body = json.dumps({"ZipFile": self.zip_b64, "Publish": bad})
                status, headers, data = conn.request("PUT", path, body=body, headers=JSON_HEADERS)
                if bad is None:
                    self.assertEqual(status, 200, data)
                    self.assertEqual(json.loads(data)["Version"], "$LATEST")
                else:
                    self.assertClientError(status, headers, data, "SerializationException",
                                           "UpdateFunctionCode Publish=%r" % (bad,))
            self.assertAlive()
        conn.close()
        self.assertCanaryAnswered(canary)

    def test_deep_json_in_configuration_fields(self):
        conn = Connection(self.server.port)
        with self.canary() as canary:
            for member in ("Timeout", "Handler", "MemorySize", "Description", "Role", "Architectures"):
                for deep in (deep_array(), deep_object()):
                    body = place({}, [member], deep)
                    for method, path in (("POST", "/2015-03-31/functions"),
                                         ("PUT", "/2015-03-31/functions/%s/configuration" % self.target)):
                        status, headers, data = conn.request(method, path, body=body, headers=JSON_HEADERS)
                        et = self.assertClientError(status, headers, data, "InvalidRequestContentException",
                                                    "%s %s deep" % (path, member))
                        self.assertIn("nesting depth", json.loads(data)["message"])
                        self.assertEqual(et, "InvalidRequestContentException")
            self.assertAlive()
        conn.close()
        self.assertCanaryAnswered(canary)
        self.assertEqual(self.lam.get_function_configuration(FunctionName=self.target)["Timeout"], 3)

    def test_invoke_payload_of_overflowing_numbers(self):
        # 1,000 numbers beyond double range in a 6 MB payload: the old check re-parsed the
        # payload once per number on the loop (127 s). Valid JSON: passed on untouched.
        numbers = ",".join(["1e999"] * 1000)
        frame = '{"pad": "%s", "n": [' + numbers + "]}"
        pad = 6291456 - len(frame % "")
        payload = (frame % ("x" * pad)).encode()
        self.assertEqual(len(payload), 6291456)
        path = "/2015-03-31/functions/%s/invocations" % self.sees
        conn = Connection(self.server.port)
        with self.canary() as canary:
            start = time.monotonic()
            status, headers, data = conn.request("POST", path, body=payload, headers=JSON_HEADERS)
            took = time.monotonic() - start
            self.assertEqual(status, 200, data[:300])
            self.assertNotIn("x-amz-function-error", headers, data[:300])
            self.assertEqual(json.loads(data), {"count": 1000, "allInfinite": True, "pad": pad})
            start = time.monotonic()
            status, headers, data = conn.request("POST", path, body=payload,
                                                 headers={"X-Amz-Invocation-Type": "DryRun"})
            self.assertEqual(status, 204, data[:300])
            dry = time.monotonic() - start
            # Event: 1 MB at most.
            small = ('{"pad": "", "n": [' + ",".join(["-1e999"] * 100000) + "]}").encode()
            self.assertLess(len(small), 1048576)
            status, _, data = conn.request("POST", path, body=small,
                                           headers={"X-Amz-Invocation-Type": "Event"})
            self.assertEqual(status, 202, data[:300])
            # Not JSON, late in a large payload: refused, with where.
            status, headers, data = conn.request("POST", path, body=payload[:-1] + b",",
                                                 headers=JSON_HEADERS)
            self.assertClientError(status, headers, data, "InvalidRequestContentException", "truncated")
            self.assertIn("Could not parse payload into json", json.loads(data)["message"])
            self.assertAlive()
        conn.close()
        log("6 MB payload of 1e999s: invoke %.2f s, DryRun %.2f s; canary worst %.2f s"
            % (took, dry, canary.worst))
        self.assertLess(took, 20)
        self.assertLess(dry, 5)
        self.assertCanaryAnswered(canary, worst_s=5.0)

    def test_wrong_types_that_were_500s(self):
        conn = Connection(self.server.port)
        t = self.target
        with self.canary() as canary:
            checks = [
                ("PUT", "/2015-03-31/functions/%s/configuration" % t, {"TracingConfig": {"Mode": 5}}),
                ("PUT", "/2015-03-31/functions/%s/configuration" % t, {"TracingConfig": {"Mode": ["Active"]}}),
                ("POST", "/2015-03-31/functions", {"FunctionName": unique_name("dec"), "Role": ROLE,
                                                   "Runtime": "nodejs20.x", "Handler": "index.handler",
                                                   "Code": {"ZipFile": self.zip_b64}, "PackageType": 5}),
                ("POST", "/2015-03-31/functions/%s/aliases" % t, {"Name": 5, "FunctionVersion": "1"}),
                ("POST", "/2015-03-31/functions/%s/aliases" % t, {"Name": ["x"], "FunctionVersion": "1"}),
                ("PUT", "/2015-03-31/functions/%s/code" % t, {"ZipFile": self.zip_b64, "DryRun": "yes"}),
                ("PUT", "/2015-03-31/functions/%s/code" % t, {"ZipFile": self.zip_b64, "DryRun": 1}),
                ("POST", "/2015-03-31/functions/%s/aliases" % t, {"Name": "numeric", "FunctionVersion": 1}),
                ("PUT", "/2015-03-31/functions/%s/aliases/live" % t, {"FunctionVersion": 1}),
            ]
            for method, path, body in checks:
                status, headers, data = conn.request(method, path, body=json.dumps(body), headers=JSON_HEADERS)
                self.assertClientError(status, headers, data, "SerializationException", "%s %r" % (path, body))
            self.assertAlive()
        conn.close()
        self.assertCanaryAnswered(canary)
        # Nothing was stored: no alias with an empty version, the old one untouched.
        self.assertAwsError(lambda: self.lam.get_alias(FunctionName=t, Name="numeric"),
                            "ResourceNotFoundException", 404)
        self.assertEqual(self.lam.get_alias(FunctionName=t, Name="live")["FunctionVersion"], "1")
        self.assertEqual(self.lam.get_function_configuration(FunctionName=t)["TracingConfig"],
                         {"Mode": "PassThrough"})

    def test_bodies_on_every_route(self):
        # Routes that take no body ignore one; none may answer 5xx to hostile bytes.
        t = self.target
        routes = [("GET", "/2015-03-31/functions/%s" % t), ("GET", "/2015-03-31/functions"),
                  ("DELETE", "/2015-03-31/functions/%s?Qualifier=99" % t),
                  ("GET", "/2015-03-31/functions/%s/configuration" % t),
                  ("GET", "/2015-03-31/functions/%s/versions" % t),
                  ("GET", "/2015-03-31/functions/%s/aliases" % t),
                  ("GET", "/2015-03-31/functions/%s/aliases/live" % t),
                  ("GET", "/2019-09-30/functions/%s/concurrency" % t),
                  ("GET", "/2016-08-19/account-settings"),
                  ("GET", "/2017-03-31/tags/" + urllib.parse.quote(function_arn(t), safe="")),
                  ("POST", "/2014-11-13/functions/%s/invoke-async" % t)]
        bodies = [deep_array().encode(), deep_object().encode(), b"{", b"\xff", b'{"a": 1e999}',
                  b"[" * DEEP]
        conn = Connection(self.server.port)
        with self.canary() as canary:
            for method, path in routes:
                for body in bodies:
                    status, headers, data = conn.request(method, path, body=body, headers=JSON_HEADERS)
                    self.assertLess(status, 500, (method, path, body[:20], data[:200]))
            self.assertAlive()
        conn.close()
        self.assertCanaryAnswered(canary)


if __name__ == "__main__":
    main()
