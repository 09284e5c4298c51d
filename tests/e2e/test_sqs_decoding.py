#!/usr/bin/env python3
"""Every SQS request is decoded before the queue service acts on it (issues 8 and 10).

Generated from botocore's SQS model: for every operation the server serves, and every member
of its input (members of list elements and map values too), values of each wrong JSON type,
null, a huge string and deep nesting are sent over raw HTTP in the JSON protocol, and each
integer and boolean member gets a non-number in the query protocol. Each answer must be a 4xx
in the protocol's error shape (JSON: __type and the x-amzn-query-error header; query: an XML
ErrorResponse), or a 200 where the value is valid after all (null is the member absent); never
a 5xx, and the server stays up and keeps serving a canary queue throughout."""
import gzip
import json
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore  # noqa: E402

from harness import StratusServer, main, raw_request  # noqa: E402
import unittest  # noqa: E402

SERVED = ["CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "GetQueueAttributes",
          "SetQueueAttributes", "PurgeQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage",
          "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
          "ChangeMessageVisibilityBatch", "TagQueue", "UntagQueue", "ListQueueTags",
          "ListDeadLetterSourceQueues", "StartMessageMoveTask", "ListMessageMoveTasks",
          "CancelMessageMoveTask", "AddPermission", "RemovePermission"]

WRONG = {
    "string": [5, True, {}, [], 1.5],
    "integer": ["7", 1.5, True, {}, [], 1e99, 2 ** 40],
    "long": ["7", 1.5, True, {}, [], 1e99],
    "boolean": ["true", 0, {}, []],
    "blob": [5, {}, "not base64!"],
    "list": ["x", 5, {}, [None]],
    "map": ["x", 5, [], {"k": None}],
    "structure": ["x", 5, []],
}


def model():
    path = os.path.join(os.path.dirname(botocore.__file__), "data", "sqs", "2012-11-05", "service-2.json.gz")
    with gzip.open(path, "rt") as f:
        return json.load(f)


MODEL = model()
SHAPES = MODEL["shapes"]


def valid(op, queue_url):
    """A body the operation accepts (or at least decodes), so each case varies one member."""
    base = {"QueueUrl": queue_url}
    return {
        "CreateQueue": {"QueueName": "decoding-made"},
        "GetQueueUrl": {"QueueName": "decoding"},
        "ListQueues": {},
        "SendMessage": dict(base, MessageBody="m"),
        "SendMessageBatch": dict(base, Entries=[{"Id": "a", "MessageBody": "m"}]),
        "DeleteMessageBatch": dict(base, Entries=[{"Id": "a", "ReceiptHandle": "x"}]),
        "ChangeMessageVisibilityBatch": dict(base, Entries=[{"Id": "a", "ReceiptHandle": "x"}]),
        "StartMessageMoveTask": {"SourceArn": "arn:aws:sqs:us-east-1:000000000000:decoding"},
        "ListMessageMoveTasks": {"SourceArn": "arn:aws:sqs:us-east-1:000000000000:decoding"},
        "CancelMessageMoveTask": {"TaskHandle": "x"},
        "AddPermission": dict(base, Label="decoding", AWSAccountIds=["111122223333"], Actions=["SendMessage"]),
        "RemovePermission": dict(base, Label="decoding"),
    }.get(op, dict(base))


def member_paths(shape_name, prefix=(), depth=0):
    """(path, shape type) of every member under `shape_name`, list elements as index 0 and map
    values under key "k"."""
    out = []
    shape = SHAPES[shape_name]
    for name, m in shape.get("members", {}).items():
        t = SHAPES[m["shape"]]
        path = prefix + (name,)
        out.append((path, t["type"]))
        if depth < 2:
            if t["type"] == "structure":
                out += member_paths(m["shape"], path, depth + 1)
            elif t["type"] == "list" and SHAPES[t["member"]["shape"]]["type"] == "structure":
                out += member_paths(t["member"]["shape"], path + (0,), depth + 1)
            elif t["type"] == "map" and SHAPES[t["value"]["shape"]]["type"] == "structure":
                out += member_paths(t["value"]["shape"], path + ("k",), depth + 1)
    return out


def place(body, path, value):
    body = json.loads(json.dumps(body))
    node = body
    for i, key in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(node, list):
            while len(node) <= key:
                node.append({})
            node = node[key]
            continue
        if key not in node or not isinstance(node[key], (dict, list)):
            node[key] = [] if isinstance(nxt, int) else {}
        node = node[key]
    last = path[-1]
    if isinstance(node, list):
        while len(node) <= last:
            node.append({})
    node[last] = value
    return body


class SqsDecodingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StratusServer()
        cls.server.start()
        r = cls.send("CreateQueue", {"QueueName": "decoding"})
        cls.url = json.loads(r.body)["QueueUrl"]

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    @classmethod
    def send(cls, op, body, raw=None):
        data = raw if raw is not None else json.dumps(body).encode()
        return raw_request(cls.server.port, "POST", "/", body=data,
                           headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS." + op})

    def assertAnswered(self, r, what):
        self.assertLess(r.status, 500, (what, r))
        if r.status >= 400:
            self.assertIn("__type", r.json(), what)
            self.assertTrue(r.header("x-amzn-query-error"), what)
            self.assertTrue(r.header("x-amzn-RequestId"), what)

    def canary(self):
        r = self.send("SendMessage", {"QueueUrl": self.url, "MessageBody": "canary"})
        self.assertEqual(r.status, 200, r)

    def test_every_member_of_every_operation_with_wrong_types(self):
        cases = 0
        for op in SERVED:
            inp = MODEL["operations"][op]["input"]["shape"]
            for path, kind in member_paths(inp):
                for value in WRONG[kind] + [None, "x" * 300000]:
                    r = self.send(op, place(valid(op, self.url), path, value))
                    self.assertAnswered(r, (op, path, str(value)[:40]))
                    # Every one a wrong JSON type for its member (bad base64 is a string: the
                    # service may refuse it in a batch entry's Failed list instead).
                    if any(value is w for w in WRONG[kind]) and not (kind == "blob" and isinstance(value, str)):
                        self.assertEqual(r.status, 400, (op, path, value, r))
                    cases += 1
            self.canary()
        self.assertGreater(cases, 500)
        print("sqs decoding: %d generated cases" % cases)

    def test_deep_and_malformed_bodies(self):
        for op in SERVED:
            for raw in (b"[" * 50000 + b"]" * 50000, b'{"a":' * 50000 + b"1" + b"}" * 50000, b"{", b"\xff", b"[]", b"5"):
                r = self.send(op, None, raw=raw)
                self.assertEqual(r.status, 400, (op, raw[:10], r))
                self.assertAnswered(r, (op, raw[:10]))
        self.canary()

    def test_query_protocol_non_numbers(self):
        for op in SERVED:
            inp = SHAPES[MODEL["operations"][op]["input"]["shape"]]
            for name, m in inp["members"].items():
                kind = SHAPES[m["shape"]]["type"]
                if kind not in ("integer", "boolean", "long"):
                    continue
                form = {"Action": op, "Version": "2012-11-05", "QueueUrl": self.url, name: "abc"}
                r = raw_request(self.server.port, "POST", "/", body=urllib.parse.urlencode(form).encode(),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
                self.assertEqual(r.status, 400, (op, name, r))
                self.assertIn(b"<ErrorResponse", r.body, (op, name))
        self.canary()


if __name__ == "__main__":
    main()
