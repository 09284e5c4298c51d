#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/<harness>/).

The Lambda API seeds are real: boto3 is pointed at a tiny socket server on 127.0.0.1 that
records each request's bytes exactly as botocore sent them and answers 200 {}. The zips are
written by Python's zipfile (any name, mode and content, which the malicious ones need). The
Runtime API seeds are what the runtime clients (runtime/clients/*) send. Run it again after a
change here (the botocore seeds then carry that run's date, port and signature); the fuzzers
grow their own corpora in a scratch dir, never in the repo.
"""
import io
import json
import os
import shutil
import socket
import stat
import threading
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def write(harness, name, data):
    path = os.path.join(HERE, harness, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def reset(harness):
    """Empties a seed dir for regeneration, keeping fixed findings' reproducers (finding-*)."""
    d = os.path.join(HERE, harness)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if not name.startswith("finding-"):
            path = os.path.join(d, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


# ---- botocore's own requests ----

class Recorder:
    """Accepts connections on 127.0.0.1:0 and records each full request (headers + body)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.requests = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def port(self):
        return self.sock.getsockname()[1]

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(5)
            buf = b""
            try:
                while True:
                    while b"\r\n\r\n" not in buf:
                        chunk = conn.recv(65536)
                        if not chunk:
                            raise EOFError
                        buf += chunk
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        k, _, v = line.partition(b":")
                        if k.strip().lower() == b"content-length":
                            length = int(v.strip())
                    while len(rest) < length:
                        chunk = conn.recv(65536)
                        if not chunk:
                            raise EOFError
                        rest += chunk
                    self.requests.append(head + b"\r\n\r\n" + rest[:length])
                    buf = rest[length:]
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 2\r\n\r\n{}")
            except (EOFError, OSError):
                pass
            finally:
                conn.close()

    def close(self):
        self.sock.close()


def small_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("index.js", FIXED_TIME)
        z.writestr(info, "exports.handler = async (e) => e;\n")
    return out.getvalue()


def botocore_requests():
    import boto3
    from botocore.config import Config

    rec = Recorder()
    client = boto3.client(
        "lambda", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{rec.port()}",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    role = "arn:aws:iam::000000000000:role/lambda-role"
    calls = [
        ("CreateFunction", lambda: client.create_function(
            FunctionName="fuzz-fn", Runtime="nodejs20.x", Role=role, Handler="index.handler",
            Code={"ZipFile": small_zip()}, Timeout=3, MemorySize=128, Publish=True,
            Environment={"Variables": {"A": "1", "B": "two"}}, Tags={"team": "x"},
            Architectures=["x86_64"], TracingConfig={"Mode": "PassThrough"},
            EphemeralStorage={"Size": 512}, Description="seed", PackageType="Zip",
            Layers=["arn:aws:lambda:us-east-1:000000000000:layer:l:1"])),
        ("UpdateFunctionCode", lambda: client.update_function_code(
            FunctionName="fuzz-fn", ZipFile=small_zip(), Publish=False, DryRun=True,
            RevisionId="r1")),
        ("UpdateFunctionConfiguration", lambda: client.update_function_configuration(
            FunctionName="fuzz-fn", Timeout=10, MemorySize=256, Handler="index.other",
            Environment={"Variables": {}}, Runtime="python3.12")),
        ("PublishVersion", lambda: client.publish_version(
            FunctionName="fuzz-fn", Description="v1", CodeSha256="abc")),
        ("CreateAlias", lambda: client.create_alias(
            FunctionName="fuzz-fn", Name="live", FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})),
        ("UpdateAlias", lambda: client.update_alias(
            FunctionName="fuzz-fn", Name="live", FunctionVersion="$LATEST", Description="d")),
        ("PutFunctionConcurrency", lambda: client.put_function_concurrency(
            FunctionName="fuzz-fn", ReservedConcurrentExecutions=5)),
        ("PutProvisionedConcurrencyConfig", lambda: client.put_provisioned_concurrency_config(
            FunctionName="fuzz-fn", Qualifier="live", ProvisionedConcurrentExecutions=2)),
        ("TagResource", lambda: client.tag_resource(
            Resource="arn:aws:lambda:us-east-1:000000000000:function:fuzz-fn",
            Tags={"k": "v", "empty": ""})),
        ("Invoke", lambda: client.invoke(
            FunctionName="fuzz-fn:live", Payload=b'{"hello":"world","n":[1,2.5,null,true]}',
            LogType="Tail", ClientContext="eyJjdXN0b20iOnt9fQ==")),
        ("InvokeEvent", lambda: client.invoke(
            FunctionName="arn:aws:lambda:us-east-1:000000000000:function:fuzz-fn",
            InvocationType="Event", Payload=b"{}")),
        ("GetFunction", lambda: client.get_function(FunctionName="fuzz-fn", Qualifier="1")),
        ("ListFunctions", lambda: client.list_functions(MaxItems=10, Marker="abc")),
        ("ListVersionsByFunction", lambda: client.list_versions_by_function(FunctionName="fuzz-fn")),
        ("DeleteFunction", lambda: client.delete_function(FunctionName="fuzz-fn", Qualifier="2")),
        ("GetAccountSettings", lambda: client.get_account_settings()),
    ]
    recorded = {}
    for name, call in calls:
        before = len(rec.requests)
        try:
            call()
        except Exception:  # answers of {} do not parse for every operation; the request is sent
            pass
        if len(rec.requests) > before:
            recorded[name] = rec.requests[before]
    rec.close()
    return recorded


def body_of(request):
    return request.split(b"\r\n\r\n", 1)[1]


# ---- the seeds of each harness ----

DECODER_OPS = ["CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration",
               "PublishVersion", "CreateAlias", "UpdateAlias", "PutFunctionConcurrency",
               "PutProvisionedConcurrencyConfig", "TagResource"]


def http_server_seeds(recorded):
    reset("http_server")
    for name, req in recorded.items():
        write("http_server", f"botocore-{name}", req)
    reqs = list(recorded.values())
    write("http_server", "pipelined-three", b"".join(reqs[:3]))
    write("http_server", "chunked",
          b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n")
    write("http_server", "expect-continue",
          b"PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
    write("http_server", "head-and-get",
          b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
    write("http_server", "too-large", b"POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n")
    write("http_server", "connection-close",
          b"GET /1 HTTP/1.1\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
    write("http_server", "http10", b"GET /old HTTP/1.0\r\n\r\n")
    write("http_server", "upgrade",
          b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nrest")
    write("http_server", "malformed", b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
    write("http_server", "handler-throws", b"POST /t HTTP/1.1\r\nContent-Length: 5\r\n\r\nthrow")
    write("http_server", "echo-crlf", b"GET /e HTTP/1.1\r\nX-Echo: a\r\n b\r\n\r\n")
    write("http_server", "partial-headers", b"GET / HTTP/1.1\r\nHost: x")


def json_seeds(recorded):
    reset("json_reader")
    for name in ("CreateFunction", "CreateAlias", "Invoke"):
        if name in recorded:
            write("json_reader", f"botocore-{name}", body_of(recorded[name]))
    docs = {
        "scalars": b'[0,-0,1.5e10,-2E-3,true,false,null,"s"]',
        "big-numbers": b'[1e999,-1e999,1e-999,18446744073709551615,18446744073709551616,'
                       b'-9223372036854775809,123456789012345678901234567890]',
        "escapes": b'{"a":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/","b":"\xc3\xa9\xf0\x9f\x98\x80"}',
        "lone-surrogate": b'"\\ud800"',
        "bom": b'\xef\xbb\xbf{"x":1}',
        "deep-array": b"[" * 300 + b"]" * 300,
        "deep-object": b'{"a":' * 200 + b"1" + b"}" * 200,
        "duplicate-keys": b'{"k":1,"k":2}',
        "invalid-utf8": b'"\xc3\x28"',
        "trailing-garbage": b'{"a":1} x',
        "empty": b"",
        "whitespace": b" \t\r\n ",
        "control-char": b'"a\x01b"',
    }
    for name, data in docs.items():
        write("json_reader", name, data)


def decoder_seeds(recorded):
    reset("request_decoder")
    for i, op in enumerate(DECODER_OPS):
        if op in recorded:
            write("request_decoder", f"botocore-{op}", bytes([i]) + body_of(recorded[op]))
    hand = {
        "publish-null": (0, b'{"FunctionName":"f","Role":"r","Code":{},"Publish":null}'),
        "publish-zero": (1, b'{"Publish":0}'),
        "timeout-string": (2, b'{"Timeout":"3"}'),
        "timeout-float": (2, b'{"Timeout":1.5,"MemorySize":1e99}'),
        "tracing-mode-number": (2, b'{"TracingConfig":{"Mode":1}}'),
        "deep-handler": (2, b'{"Handler":' + b"[" * 150 + b"]" * 150 + b"}"),
        "env-null-value": (2, b'{"Environment":{"Variables":{"A":null}}}'),
        "alias-version-number": (4, b'{"Name":"a","FunctionVersion":1}'),
        "alias-weights": (5, b'{"RoutingConfig":{"AdditionalVersionWeights":{"x":2,"1":-1}}}'),
        "concurrency-negative": (6, b'{"ReservedConcurrentExecutions":-1}'),
        "provisioned-huge": (7, b'{"ProvisionedConcurrentExecutions":3000000000}'),
        "tags-list": (8, b'{"Tags":["a"]}'),
        "not-an-object": (3, b'[1,2]'),
        "not-json": (0, b"{\"FunctionName\":"),
        "many-violations": (0, b'{"FunctionName":"","Runtime":"cobol","Role":"x","MemorySize":1,'
                               b'"Timeout":0,"Architectures":["arm64","x86_64"],"Handler":"a b"}'),
    }
    for name, (op, body) in hand.items():
        write("request_decoder", name, bytes([op]) + body)


def target_seeds():
    reset("request_target")
    seeds = {
        "name": b"my-function",
        "name-qualifier": b"my-function:prod",
        "arn": b"arn:aws:lambda:us-east-1:000000000000:function:my-function",
        "arn-qualifier-param": b"arn:aws:lambda:us-east-1:000000000000:function:f:3\x003",
        "partial-arn": b"000000000000:function:f:$LATEST",
        "other-account": b"arn:aws:lambda:us-east-1:111111111111:function:f",
        "other-region": b"arn:aws:lambda:eu-west-1:000000000000:function:f",
        "qualifier-mismatch": b"f:1\x002",
        "encoded": b"arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af%3A%24LATEST",
        "query": b"f\x00\x00Marker=abc%3D&MaxItems=10&FunctionVersion=ALL&x&=y&&a+b=c%2",
        "latest-lower": b"f\x00$latest",
    }
    for name, data in seeds.items():
        write("request_target", name, data)


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    """entries: (name, data, unix_mode or None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = compression
            if mode is not None:
                info.create_system = 3
                info.external_attr = mode << 16
            z.writestr(info, data)
    return out.getvalue()


def archive_seeds():
    reset("archive")
    f, d, l = stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK
    seeds = {
        "hello": zip_bytes([("index.js", b"exports.handler=async()=>1\n", f | 0o644)]),
        "stored": zip_bytes([("a.txt", b"abc", None)], zipfile.ZIP_STORED),
        "tree": zip_bytes([("lib/", b"", d | 0o755), ("lib/x.js", b"x", f | 0o644),
                           ("bin/run", b"#!/bin/sh\n", f | 0o755), ("a/b/c/d.txt", b"deep", None)]),
        "symlink-inside": zip_bytes([("lib/x.js", b"x", None), ("link", b"lib/x.js", l | 0o777),
                                     ("lib/up", b"../lib/x.js", l | 0o777)]),
        "symlink-escape": zip_bytes([("evil", b"../../etc/passwd", l | 0o777)]),
        "symlink-absolute": zip_bytes([("evil", b"/etc/passwd", l | 0o777)]),
        "symlink-then-write": zip_bytes([("d", b".", l | 0o777), ("d/x", b"through", None)]),
        "slip-dotdot": zip_bytes([("../../escape.txt", b"x", None)]),
        "slip-inner": zip_bytes([("a/../../escape.txt", b"x", None)]),
        "slip-backslash": zip_bytes([("..\\escape.txt", b"x", None)]),
        "absolute": zip_bytes([("/tmp/abs.txt", b"x", None)]),
        "duplicate": zip_bytes([("same", b"one", None), ("same", b"second", None)]),
        "file-then-dir": zip_bytes([("x", b"file", None), ("x/y", b"under a file", None)]),
        "fifo": zip_bytes([("pipe", b"", stat.S_IFIFO | 0o644)]),
        "ratio": zip_bytes([("zeros", b"\0" * (1536 * 1024), None)]),
        "many": zip_bytes([(f"f{i}", b"", None) for i in range(40)]),
        "empty-archive": zip_bytes([]),
        "setuid": zip_bytes([("s", b"x", f | 0o4755)]),
        "not-a-zip": b"PK\x03\x04 not really",
    }
    # A bomb that lies: the central directory declares 1 byte, the data inflates to 64 KiB.
    bomb = bytearray(zip_bytes([("bomb", b"A" * 65536, None)]))
    cd = bomb.rfind(b"PK\x01\x02")
    bomb[cd + 24:cd + 28] = (1).to_bytes(4, "little")  # uncompressed size in the central header
    seeds["lying-size"] = bytes(bomb)
    for name, data in seeds.items():
        write("archive", name, data)


def runtime_state_seeds():
    reset("runtime_state")
    # Events: 0 next, 1 response, 2 error, 3 init error, 4 hand-over; >= 0x80 probes.
    seeds = {
        "invoke-cycle": bytes([0, 4, 1, 0, 4, 2, 0]),
        "init-error": bytes([3, 0, 1, 3]),
        "answers-out-of-turn": bytes([1, 2, 0, 1, 4, 0, 0, 1, 1]),
        "probes": bytes(range(0x80, 0x100, 3)),
    }
    for name, data in seeds.items():
        write("runtime_state", name, data)


def runtime_api_seeds():
    reset("runtime_api")
    host = b"Host: 127.0.0.1:9001\r\n"
    agent = b"User-Agent: aws-lambda-python/3.12\r\n"

    def get(path):
        return b"GET /2018-06-01" + path + b" HTTP/1.1\r\n" + host + agent + b"\r\n"

    def post(path, body, extra=b""):
        return (b"POST /2018-06-01" + path + b" HTTP/1.1\r\n" + host + agent + extra +
                b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
                b"\r\n\r\n" + body)

    nxt = get(b"/runtime/invocation/next")
    err = b'{"errorMessage":"boom","errorType":"Error","stackTrace":[]}'
    etype = b"Lambda-Runtime-Function-Error-Type: Function.Error\r\n"
    seeds = {
        "one-invoke": nxt + post(b"/runtime/invocation/id-1/response", b'{"ok":true}') + nxt,
        "two-invokes": nxt + post(b"/runtime/invocation/id-1/response", b"1") + nxt +
                       post(b"/runtime/invocation/id-2/error", err, etype) + nxt,
        "init-error": post(b"/runtime/init/error", err, b"Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError\r\n"),
        "claim-then-next": get(b"/stratus/claim") + nxt,
        "wrong-id": nxt + post(b"/runtime/invocation/id-9/response", b"1"),
        "answer-before-next": post(b"/runtime/invocation/id-1/response", b"1") + nxt,
        "streaming-mode": nxt + post(b"/runtime/invocation/id-1/response", b"x",
                                     b"Lambda-Runtime-Function-Response-Mode: streaming\r\n"),
        "bad-mode": nxt + post(b"/runtime/invocation/id-1/response", b"x",
                               b"Lambda-Runtime-Function-Response-Mode: buffered\r\n"),
        "head-and-wrong-methods": b"HEAD /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n" +
                                  b"POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\nContent-Length: 0\r\n\r\n" +
                                  get(b"/runtime/invocation/id-1/response") + b"GET /nope HTTP/1.1\r\n\r\n",
        "too-large": nxt + b"POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\n"
                           b"Content-Length: 7000000\r\n\r\n",
        "chunked-response": nxt + b"POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\n"
                                  b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" + nxt,
        "encoded-id": nxt + post(b"/runtime/invocation/id%2D1/response", b"1") + nxt,
        "next-while-running": nxt + nxt,
    }
    for name, data in seeds.items():
        write("runtime_api", name, data)


SQS_OPS = ["CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "GetQueueAttributes",
           "SetQueueAttributes", "PurgeQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage",
           "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
           "ChangeMessageVisibilityBatch", "TagQueue", "UntagQueue", "ListQueueTags",
           "ListDeadLetterSourceQueues", "StartMessageMoveTask", "ListMessageMoveTasks",
           "CancelMessageMoveTask"]


def sqs_protocol_seeds():
    """boto3's JSON-protocol SQS bodies (byte 0 even, byte 1 the operation) and query-protocol
    forms as the AWS CLI v2 of 2023 sends them (byte 0 odd)."""
    import boto3
    from botocore.config import Config

    reset("sqs_protocol")
    rec = Recorder()
    client = boto3.client(
        "sqs", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{rec.port()}",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    url = "http://127.0.0.1:9000/000000000000/seed"
    calls = [
        ("CreateQueue", lambda: client.create_queue(QueueName="seed", Attributes={
            "DelaySeconds": "0", "VisibilityTimeout": "30",
            "RedrivePolicy": '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}'},
            tags={"team": "x"})),
        ("CreateQueue", lambda: client.create_queue(QueueName="seed.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "true"})),
        ("SendMessage", lambda: client.send_message(
            QueueUrl=url, MessageBody="hello", DelaySeconds=1,
            MessageAttributes={"s": {"DataType": "String", "StringValue": "v"},
                               "n": {"DataType": "Number.int", "StringValue": "6"},
                               "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
            MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-x"}})),
        ("SendMessageBatch", lambda: client.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2", "MessageGroupId": "g"}])),
        ("ReceiveMessage", lambda: client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0,
            MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])),
        ("DeleteMessage", lambda: client.delete_message(QueueUrl=url, ReceiptHandle="cWlkOjE6bm9uY2U=")),
        ("DeleteMessageBatch", lambda: client.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "ReceiptHandle": "cWlkOjE6bm9uY2U="}])),
        ("ChangeMessageVisibility", lambda: client.change_message_visibility(
            QueueUrl=url, ReceiptHandle="cWlkOjE6bm9uY2U=", VisibilityTimeout=5)),
        ("ChangeMessageVisibilityBatch", lambda: client.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "a", "ReceiptHandle": "cWlkOjE6bm9uY2U=", "VisibilityTimeout": 0}])),
        ("GetQueueAttributes", lambda: client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])),
        ("SetQueueAttributes", lambda: client.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})),
        ("ListQueues", lambda: client.list_queues(QueueNamePrefix="s", MaxResults=2)),
        ("GetQueueUrl", lambda: client.get_queue_url(QueueName="seed")),
        ("TagQueue", lambda: client.tag_queue(QueueUrl=url, Tags={"k": "v"})),
        ("UntagQueue", lambda: client.untag_queue(QueueUrl=url, TagKeys=["k"])),
        ("ListQueueTags", lambda: client.list_queue_tags(QueueUrl=url)),
        ("ListDeadLetterSourceQueues", lambda: client.list_dead_letter_source_queues(QueueUrl=url)),
        ("StartMessageMoveTask", lambda: client.start_message_move_task(
            SourceArn="arn:aws:sqs:us-east-1:000000000000:dlq", MaxNumberOfMessagesPerSecond=10)),
        ("ListMessageMoveTasks", lambda: client.list_message_move_tasks(
            SourceArn="arn:aws:sqs:us-east-1:000000000000:dlq", MaxResults=10)),
        ("CancelMessageMoveTask", lambda: client.cancel_message_move_task(TaskHandle="dGFzaw==")),
        ("PurgeQueue", lambda: client.purge_queue(QueueUrl=url)),
        ("DeleteQueue", lambda: client.delete_queue(QueueUrl=url)),
    ]
    for i, (op, call) in enumerate(calls):
        before = len(rec.requests)
        try:
            call()
        except Exception:  # the recorder answers {}; the request was sent
            pass
        if len(rec.requests) > before:
            write("sqs_protocol", f"botocore-{i:02d}-{op}", bytes([0, SQS_OPS.index(op)]) + body_of(rec.requests[before]))
    rec.close()
    forms = {
        "query-create": "Action=CreateQueue&Version=2012-11-05&QueueName=seed&Attribute.1.Name=DelaySeconds"
                        "&Attribute.1.Value=0&Tag.1.Key=team&Tag.1.Value=x",
        "query-send": "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A9000%2F000000000000"
                      "%2Fseed&MessageBody=hi+there&MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String"
                      "&MessageAttribute.1.Value.StringValue=v",
        "query-batch": "Action=SendMessageBatch&QueueUrl=http%3A%2F%2F127.0.0.1%3A9000%2F000000000000%2Fseed"
                       "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x"
                       "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y"
                       "&SendMessageBatchRequestEntry.2.DelaySeconds=3",
        "query-receive": "Action=ReceiveMessage&QueueUrl=http%3A%2F%2F127.0.0.1%3A9000%2F000000000000%2Fseed"
                         "&AttributeName.1=All&MessageAttributeName.1=All&MaxNumberOfMessages=10&VisibilityTimeout=0",
        "query-attributes": "Action=GetQueueAttributes&QueueUrl=http%3A%2F%2F127.0.0.1%3A9000%2F000000000000%2Fseed"
                            "&AttributeName.1=All",
        "query-list": "Action=ListQueues&QueueNamePrefix=s&MaxResults=1",
    }
    for name, form in forms.items():
        write("sqs_protocol", name, b"\x01\x00" + form.encode())


LOGS_OPS = ["CreateLogGroup", "DeleteLogGroup", "DescribeLogGroups", "DescribeLogStreams", "CreateLogStream",
            "DeleteLogStream", "PutLogEvents", "GetLogEvents", "FilterLogEvents", "PutRetentionPolicy",
            "DeleteRetentionPolicy"]


def logs_protocol_seeds():
    """boto3's CloudWatch Logs bodies (byte 0 the operation), including what `aws logs tail`
    sends, and filter patterns of each kind with a message (byte 0 >= 0x80: pattern NUL message)."""
    import boto3
    from botocore.config import Config

    reset("logs_protocol")
    rec = Recorder()
    client = boto3.client(
        "logs", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{rec.port()}",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    calls = [
        ("CreateLogGroup", lambda: client.create_log_group(logGroupName="g2")),
        ("CreateLogStream", lambda: client.create_log_stream(logGroupName="g", logStreamName="s2")),
        ("PutLogEvents", lambda: client.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
            {"timestamp": 1700000000000, "message": "hello"}])),
        ("DescribeLogGroups", lambda: client.describe_log_groups(logGroupNamePrefix="g", limit=5)),
        ("DescribeLogStreams", lambda: client.describe_log_streams(logGroupName="g", orderBy="LastEventTime",
                                                                   descending=True, limit=1)),
        ("GetLogEvents", lambda: client.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True,
                                                       nextToken="f/1", limit=2)),
        ("FilterLogEvents", lambda: client.filter_log_events(logGroupName="g", startTime=0, interleaved=True,
                                                             filterPattern="ERROR", nextToken="0/1")),
        ("FilterLogEvents", lambda: client.filter_log_events(logGroupName="g", logStreamNames=["s"],
                                                             filterPattern='{ $.level = "INFO" && $.n > 1 }')),
        ("PutRetentionPolicy", lambda: client.put_retention_policy(logGroupName="g", retentionInDays=1)),
        ("DeleteRetentionPolicy", lambda: client.delete_retention_policy(logGroupName="g")),
        ("DeleteLogStream", lambda: client.delete_log_stream(logGroupName="g", logStreamName="s2")),
        ("DeleteLogGroup", lambda: client.delete_log_group(logGroupName="g2")),
    ]
    for i, (op, call) in enumerate(calls):
        before = len(rec.requests)
        try:
            call()
        except Exception:  # the recorder answers {}; the request was sent
            pass
        if len(rec.requests) > before:
            write("logs_protocol", f"botocore-{i:02d}-{op}", bytes([LOGS_OPS.index(op)]) + body_of(rec.requests[before]))
    rec.close()
    patterns = {
        "terms": ('ERROR "timed out" ?WARN -retry', "ERROR Task timed out"),
        "json": ('{ ($.level = "ERR*" || $.n >= 5) && $.user.id NOT EXISTS && $.a[0] IS NULL }',
                 '{"level":"ERROR","n":7,"a":[null]}'),
        "space-delimited": ("[ip, user, ..., status = 4* || status = 5*, bytes > 10]", '1.2.3.4 bob "GET /" 503 77'),
    }
    for name, (pattern, message) in patterns.items():
        write("logs_protocol", "pattern-" + name, b"\x80" + pattern.encode() + b"\0" + message.encode())


HARNESS_SEEDS = {
    "sqs_protocol": sqs_protocol_seeds,
    "logs_protocol": logs_protocol_seeds,
}


def main():
    import sys
    only = sys.argv[1:]  # harness names: regenerate just those
    if only:
        for name in only:
            HARNESS_SEEDS[name]()
    else:
        recorded = botocore_requests()
        http_server_seeds(recorded)
        json_seeds(recorded)
        decoder_seeds(recorded)
        target_seeds()
        archive_seeds()
        runtime_state_seeds()
        runtime_api_seeds()
        for seeds in HARNESS_SEEDS.values():
            seeds()
    for h in sorted(os.listdir(HERE)):
        d = os.path.join(HERE, h)
        if os.path.isdir(d) and h not in ("common", "crashes-open"):
            print(f"{h}: {len(os.listdir(d))} seeds")


if __name__ == "__main__":
    main()
