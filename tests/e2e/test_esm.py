#!/usr/bin/env python3
"""SQS event source mappings (issue 12) driven by boto3: the control plane's shapes, defaults,
validation and errors; the batches a function gets, field by field; partial batch failures and
each rule for malformed answers; redrive of a poison message; filters; batch size and window;
MaximumConcurrency; disable and enable; durability across kill -9; two servers sharing one
queue, one of them polling it as a remote endpoint.

The functions under test send each event they get to a "sink" queue of the same server (the SDK
inside the function reaches it through AWS_ENDPOINT_URL_SQS), so a test sees exactly what was
delivered, when each invocation started and ended, and how many ran at once."""
import base64
import hashlib
import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (ACCOUNT, REGION, ROLE, StratusServer, StratusTestCase, handler_zip, log, main,  # noqa: E402
                     process_tier_available, sqs_client, unique_name, UUID_RE)

WAIT_S = 60  # the longest any test waits for deliveries

# Sends {event, started, ended} to $SINK. Behaviour by message body (JSON): {"respond": X}
# answers X with "$ID" replaced by the record's messageId on its first receive (and succeeds
# on later ones); {"throw": true} throws; bodies
# starting with "fail" are reported as batch item failures; $SLEEP_MS delays each invocation.
HANDLER = r"""
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
// The sink is this server's unless $SINK_ENDPOINT names another one.
const sqs = new SQSClient(process.env.SINK_ENDPOINT ? { endpoint: process.env.SINK_ENDPOINT } : {});
// The sink's URL on whatever port the server listens on now (a restart may change it).
const sink = () => (process.env.SINK_ENDPOINT || process.env.AWS_ENDPOINT_URL_SQS) + new URL(process.env.SINK).pathname;
const swap = (v, id) => JSON.parse(JSON.stringify(v).split('$ID').join(id));
exports.handler = async (event) => {
  const started = Date.now();
  const sleep = Number(process.env.SLEEP_MS || 0);
  if (sleep) await new Promise((r) => setTimeout(r, sleep));
  await sqs.send(new SendMessageCommand({ QueueUrl: sink(),
    MessageBody: JSON.stringify({ event, started, ended: Date.now(), server: process.env.SERVER }) }));
  const first = event.Records[0];
  let spec = null;
  try { spec = JSON.parse(first.body); } catch (e) { /* a plain body */ }
  if (spec && spec.throw) throw new Error('poison');
  if (spec && 'respond' in spec && first.attributes.ApproximateReceiveCount === '1') {
    return swap(spec.respond, first.messageId);  // later receives succeed
  }
  return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('fail'))
    .map((r) => ({ itemIdentifier: r.messageId })) };
};
"""


def queue_arn(name):
    return "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, name)


class EsmTestCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = sqs_client(cls.server.endpoint)

    @classmethod
    def _attach(cls, server):
        super()._attach(server)
        cls.sqs = sqs_client(server.endpoint)

    def queue(self, prefix="q", **attributes):
        name = unique_name(prefix)
        if attributes.get("FifoQueue") == "true":
            name += ".fifo"
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return url, queue_arn(name)

    def sink_function(self, timeout=5, **env):
        """A function sending what it gets to a new sink queue: (name, sink url)."""
        sink, _ = self.queue("sink")
        variables = {"SINK": sink}
        variables.update({k: str(v) for k, v in env.items()})
        name, _, _ = self.create_function(source=HANDLER, Timeout=timeout,
                                          Environment={"Variables": variables})
        return name, sink

    def mapping(self, fn, arn, **kwargs):
        m = self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, **kwargs)
        self.addCleanup(self._quiet_delete_mapping, m["UUID"])
        return m

    def _quiet_delete_mapping(self, uuid):
        if not self.server.alive():
            return
        try:
            self.lam.delete_event_source_mapping(UUID=uuid)
        except Exception:
            pass

    def drain(self, sink, done, timeout=WAIT_S):
        """Invocations seen on `sink` until done(invocations) holds; each {event, started, ended}."""
        seen = []
        deadline = time.monotonic() + timeout
        for _ in range(10000):
            if done(seen):
                return seen
            if time.monotonic() > deadline:
                break
            got = self.sqs.receive_message(QueueUrl=sink, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in got.get("Messages", []):
                seen.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=sink, ReceiptHandle=m["ReceiptHandle"])
        self.fail("waited %ds; saw %d invocations: %s" % (timeout, len(seen), json.dumps(seen)[:3000]))

    def records(self, invocations):
        return [r for inv in invocations for r in inv["event"]["Records"]]

    def counts(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    def wait_empty(self, url, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        for _ in range(10000):
            if self.counts(url) == (0, 0):
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.fail("queue %s still holds %r" % (url, self.counts(url)))

    def wait_state(self, uuid, state, timeout=10):
        deadline = time.monotonic() + timeout
        for _ in range(1000):
            got = self.lam.get_event_source_mapping(UUID=uuid)["State"]
            if got == state or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(got, state)

    def setUp(self):
        super().setUp()
        if not process_tier_available(self.server):
            self.skipTest("the functions here call SQS through the process tier, not available here")


class EsmControlPlaneTest(EsmTestCase):
    def test_create_get_list_update_delete_shapes(self):
        fn, _ = self.sink_function()
        url, arn = self.queue()
        m = self.mapping(fn, arn)
        self.assertEqual(m["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertRegex(m["UUID"], UUID_RE)
        expected = {"UUID": m["UUID"], "BatchSize": 10, "MaximumBatchingWindowInSeconds": 0,
                    "EventSourceArn": arn, "FunctionArn": "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, fn),
                    "FunctionResponseTypes": [], "State": "Creating", "StateTransitionReason": "USER_INITIATED",
                    "EventSourceMappingArn": "arn:aws:lambda:%s:%s:event-source-mapping:%s" % (REGION, ACCOUNT, m["UUID"])}
        got = {k: v for k, v in m.items() if k not in ("ResponseMetadata", "LastModified")}
        self.assertEqual(got, expected)
        self.assertNotIn("FilterCriteria", m)
        self.assertNotIn("ScalingConfig", m)
        self.wait_state(m["UUID"], "Enabled")
        self.assertEqual(self.lam.get_event_source_mapping(UUID=m["UUID"])["BatchSize"], 10)

        listed = self.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
        self.assertEqual([x["UUID"] for x in listed], [m["UUID"]])
        self.assertEqual(len(self.lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]), 1)
        self.assertEqual(self.lam.list_event_source_mappings(FunctionName="nope")["EventSourceMappings"], [])

        up = self.lam.update_event_source_mapping(
            UUID=m["UUID"], BatchSize=50, MaximumBatchingWindowInSeconds=2,
            FunctionResponseTypes=["ReportBatchItemFailures"], ScalingConfig={"MaximumConcurrency": 3},
            FilterCriteria={"Filters": [{"Pattern": '{"body":{"a":["b"]}}'}]})
        self.assertEqual(up["State"], "Updating")
        self.assertEqual((up["BatchSize"], up["MaximumBatchingWindowInSeconds"], up["FunctionResponseTypes"],
                          up["ScalingConfig"], up["FilterCriteria"]),
                         (50, 2, ["ReportBatchItemFailures"], {"MaximumConcurrency": 3},
                          {"Filters": [{"Pattern": '{"body":{"a":["b"]}}'}]}))
        self.wait_state(m["UUID"], "Enabled")
        self.assertEqual(self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)["State"], "Disabling")
        self.wait_state(m["UUID"], "Disabled")
        self.assertEqual(self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)["State"], "Enabling")
        self.wait_state(m["UUID"], "Enabled")

        gone = self.lam.delete_event_source_mapping(UUID=m["UUID"])
        self.assertEqual((gone["ResponseMetadata"]["HTTPStatusCode"], gone["State"]), (202, "Deleting"))
        deadline = time.monotonic() + 10
        for _ in range(1000):
            if not self.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]:
                break
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertAwsError(lambda: self.lam.get_event_source_mapping(UUID=m["UUID"]),
                            "ResourceNotFoundException", 404, "The resource you requested does not exist.")

    def test_created_disabled_and_qualified(self):
        fn, _ = self.sink_function()
        _, arn = self.queue()
        m = self.mapping(fn + ":$LATEST", arn, Enabled=False, BatchSize=100, MaximumBatchingWindowInSeconds=5)
        self.assertEqual(m["FunctionArn"], "arn:aws:lambda:%s:%s:function:%s:$LATEST" % (REGION, ACCOUNT, fn))
        self.wait_state(m["UUID"], "Disabled")

    def test_validation_errors_carry_lambdas_messages(self):
        fn, _ = self.sink_function(timeout=60)
        _, arn = self.queue()  # visibility 30 s < the function's 60 s
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn),
                            "InvalidParameterValueException", 400,
                            "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds")
        fn, _ = self.sink_function()
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(FunctionName=fn),
                            "InvalidParameterValueException", 400, "Unrecognized event source.")
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(FunctionName="nope", EventSourceArn=arn),
                            "InvalidParameterValueException", 400, "Function does not exist")
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(FunctionName=fn + ":7", EventSourceArn=arn),
                            "InvalidParameterValueException", 400, "Function does not exist")
        self.assertAwsError(
            lambda: self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue_arn("missing")),
            "InvalidParameterValueException", 400,
            "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
            "SQS Error Message: The specified queue does not exist.")
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, BatchSize=11),
                            "InvalidParameterValueException", 400,
                            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(
            FunctionName=fn, EventSourceArn=arn, FilterCriteria={"Filters": [{"Pattern": '{"body": "x"}'}]}),
            "InvalidParameterValueException", 400, "Invalid filter pattern definition.")
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(
            FunctionName=fn, EventSourceArn=arn, DestinationConfig={"OnFailure": {"Destination": arn}}),
            "InvalidParameterValueException", 400, "Unsupported DestinationConfig parameter for given event source mapping type.")
        for bad in (dict(BatchSize=0), dict(BatchSize=10001), dict(MaximumBatchingWindowInSeconds=301),
                    dict(ScalingConfig={"MaximumConcurrency": 1}), dict(ScalingConfig={"MaximumConcurrency": 1001})):
            self.assertAwsError(lambda: self.lam_nv.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, **bad),
                                "ValidationException", 400)
        m = self.mapping(fn, arn)
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn),
                            "ResourceConflictException", 409,
                            "An event source mapping with SQS arn (\" %s \") and function (\" %s \") already exists. "
                            "Please update or delete the existing mapping with UUID %s" % (arn, fn, m["UUID"]))
        for call in (lambda: self.lam.get_event_source_mapping(UUID="00000000-0000-4000-8000-000000000000"),
                     lambda: self.lam.update_event_source_mapping(UUID="00000000-0000-4000-8000-000000000000", BatchSize=5),
                     lambda: self.lam.delete_event_source_mapping(UUID="00000000-0000-4000-8000-000000000000")):
            self.assertAwsError(call, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
        _, fifo = self.queue(FifoQueue="true")
        self.assertAwsError(lambda: self.lam.create_event_source_mapping(
            FunctionName=fn, EventSourceArn=fifo, BatchSize=11, MaximumBatchingWindowInSeconds=1),
            "InvalidParameterValueException", 400)


class EsmDeliveryTest(EsmTestCase):
    def test_records_carry_lambdas_fields(self):
        fn, sink = self.sink_function()
        url, arn = self.queue()
        binary = b"\x00\x01bin"
        sent_plain = self.sqs.send_message(QueueUrl=url, MessageBody="plain body")
        sent_attr = self.sqs.send_message(QueueUrl=url, MessageBody='{"k": 1}', MessageAttributes={
            "Author": {"DataType": "String", "StringValue": "John"},
            "Blob": {"DataType": "Binary", "BinaryValue": binary}})
        self.mapping(fn, arn)
        recs = {r["messageId"]: r for r in self.records(self.drain(sink, lambda s: len(self.records(s)) >= 2))}
        plain, attr = recs[sent_plain["MessageId"]], recs[sent_attr["MessageId"]]
        self.assertEqual(sorted(plain), sorted(["messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                                                "md5OfBody", "md5OfMessageAttributes", "eventSource",
                                                "eventSourceARN", "awsRegion"]))
        self.assertEqual((plain["body"], plain["md5OfBody"], plain["messageAttributes"], plain["md5OfMessageAttributes"]),
                         ("plain body", hashlib.md5(b"plain body").hexdigest(), {}, None))
        self.assertEqual((plain["eventSource"], plain["eventSourceARN"], plain["awsRegion"]), ("aws:sqs", arn, REGION))
        self.assertEqual(sorted(plain["attributes"]), ["ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount",
                                                       "SenderId", "SentTimestamp"])
        self.assertEqual(plain["attributes"]["ApproximateReceiveCount"], "1")
        self.assertTrue(all(isinstance(v, str) for v in plain["attributes"].values()))
        self.assertEqual(attr["messageAttributes"], {
            "Author": {"stringValue": "John", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
            "Blob": {"binaryValue": base64.b64encode(binary).decode(), "stringListValues": [], "binaryListValues": [],
                     "dataType": "Binary"}})
        self.assertEqual(attr["md5OfMessageAttributes"], sent_attr["MD5OfMessageAttributes"])
        self.assertTrue(attr["receiptHandle"])
        self.wait_empty(url)

    def test_fifo_keeps_group_order_and_fields(self):
        fn, sink = self.sink_function()
        url, arn = self.queue(FifoQueue="true", ContentBasedDeduplication="true")
        for i in range(12):
            self.sqs.send_message(QueueUrl=url, MessageBody="m%02d" % i, MessageGroupId="g%d" % (i % 2))
        self.mapping(fn, arn, BatchSize=3)
        recs = self.records(self.drain(sink, lambda s: len(self.records(s)) >= 12))
        for g in ("g0", "g1"):
            bodies = [r["body"] for r in recs if r["attributes"]["MessageGroupId"] == g]
            self.assertEqual(bodies, sorted(bodies))
            self.assertEqual(len(bodies), 6)
        self.assertEqual(sorted(recs[0]["attributes"]), sorted([
            "ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SenderId", "SentTimestamp",
            "SequenceNumber", "MessageGroupId", "MessageDeduplicationId"]))
        self.wait_empty(url)

    def test_partial_batch_failure_deletes_only_the_successes(self):
        fn, sink = self.sink_function(timeout=3)
        url, arn = self.queue(VisibilityTimeout="3")
        for body in ("ok-1", "fail-1", "ok-2", "fail-2"):
            self.sqs.send_message(QueueUrl=url, MessageBody=body)
        self.mapping(fn, arn, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
        # The failures come back after the visibility timeout, the successes never do.
        seen = self.drain(sink, lambda s: sum(r["attributes"]["ApproximateReceiveCount"] == "2"
                                              for r in self.records(s)) >= 2)
        again = sorted(r["body"] for r in self.records(seen) if r["attributes"]["ApproximateReceiveCount"] != "1")
        self.assertEqual(again[:2], ["fail-1", "fail-2"])
        self.assertNotIn("ok-1", again)
        self.assertNotIn("ok-2", again)

    def test_each_batch_item_failure_answer_rule(self):
        fn, sink = self.sink_function(timeout=3)
        url, arn = self.queue(VisibilityTimeout="3")
        self.mapping(fn, arn, BatchSize=1, FunctionResponseTypes=["ReportBatchItemFailures"])
        cases = [  # (answer, whether the message counts as failed)
            ({"batchItemFailures": []}, False), ({"batchItemFailures": None}, False), ({}, False), (None, False),
            ({"batchItemFailures": [{"itemIdentifier": "$ID"}]}, True),
            ({"batchItemFailures": [{"itemIdentifier": ""}]}, True),
            ({"batchItemFailures": [{"itemIdentifier": None}]}, True),
            ({"batchItemFailures": [{"foo": "$ID"}]}, True),
            ({"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}, True),
            ({"batchItemFailures": "$ID"}, True),
        ]
        for answer, fails in cases:
            with self.subTest(answer=answer):
                sent = self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"respond": answer}))["MessageId"]
                seen = self.drain(sink, lambda s: any(r["messageId"] == sent for r in self.records(s)))
                self.wait_empty(url)
                # A failed message was delivered again once its visibility timeout ran out.
                counts = [r["attributes"]["ApproximateReceiveCount"] for r in self.records(seen)
                          if r["messageId"] == sent]
                if fails:
                    counts += [r["attributes"]["ApproximateReceiveCount"] for r in self.records(
                        self.drain(sink, lambda s: any(r["messageId"] == sent for r in self.records(s))))
                        if r["messageId"] == sent]
                self.assertEqual(counts, ["1", "2"] if fails else ["1"])

    def test_poison_message_ends_in_the_dead_letter_queue(self):
        fn, sink = self.sink_function(timeout=3)
        dlq_url, dlq_arn = self.queue("dlq")
        url, arn = self.queue(VisibilityTimeout="3", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))
        self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"throw": True}))
        self.sqs.send_message(QueueUrl=url, MessageBody="fine")
        self.mapping(fn, arn, BatchSize=1)
        deadline = time.monotonic() + WAIT_S
        dead = []
        for _ in range(1000):
            dead = self.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1,
                                            MessageSystemAttributeNames=["All"]).get("Messages", [])
            if dead or time.monotonic() > deadline:
                break
        self.assertEqual([json.loads(m["Body"]) for m in dead], [{"throw": True}])
        # Two receives from the source, then this one from the dead-letter queue.
        self.assertEqual(dead[0]["Attributes"]["ApproximateReceiveCount"], "3")
        recs = self.records(self.drain(sink, lambda s: len(self.records(s)) >= 3))
        self.assertEqual(sorted(r["attributes"]["ApproximateReceiveCount"] for r in recs if r["body"] != "fine"), ["1", "2"])
        self.wait_empty(url)

    def test_filter_keeps_matches_and_deletes_the_rest(self):
        fn, sink = self.sink_function()
        url, arn = self.queue()
        bodies = [{"kind": "keep", "n": 1}, {"kind": "drop", "n": 2}, {"kind": "keep", "n": 30}, "not json",
                  {"kind": "other", "n": 50}]
        for b in bodies:
            self.sqs.send_message(QueueUrl=url, MessageBody=b if isinstance(b, str) else json.dumps(b))
        self.mapping(fn, arn, FilterCriteria={"Filters": [
            {"Pattern": json.dumps({"body": {"kind": ["keep"]}})},
            {"Pattern": json.dumps({"body": {"n": [{"numeric": [">=", 50]}]}})}]})
        self.wait_empty(url)  # the dropped ones are deleted, not left behind
        seen = self.drain(sink, lambda s: len(self.records(s)) >= 3)
        got = sorted(json.loads(r["body"])["n"] for r in self.records(seen))
        self.assertEqual(got, [1, 30, 50])

    def test_batch_size_and_window(self):
        fn, sink = self.sink_function()
        url, arn = self.queue()
        for i in range(12):
            self.sqs.send_message(QueueUrl=url, MessageBody="b%d" % i)
        self.mapping(fn, arn, BatchSize=5)
        seen = self.drain(sink, lambda s: len(self.records(s)) >= 12)
        self.assertLessEqual(max(len(inv["event"]["Records"]) for inv in seen), 5)
        self.assertEqual(len(self.records(seen)), 12)
        self.assertGreaterEqual(len(seen), 3)

        # A window gathers messages sent one at a time into one batch.
        url, arn = self.queue()
        self.mapping(fn, arn, BatchSize=100, MaximumBatchingWindowInSeconds=3)
        for i in range(30):
            self.sqs.send_message(QueueUrl=url, MessageBody="w%d" % i)
        seen = self.drain(sink, lambda s: len(self.records(s)) >= 30)
        self.assertEqual([len(inv["event"]["Records"]) for inv in seen], [30])

    def test_maximum_concurrency_caps_batches_in_flight(self):
        fn, sink = self.sink_function(SLEEP_MS=300)
        url, arn = self.queue()
        for i in range(16):
            self.sqs.send_message(QueueUrl=url, MessageBody="c%d" % i)
        self.mapping(fn, arn, BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
        seen = self.drain(sink, lambda s: len(s) >= 16)
        events = sorted([(inv["started"], 1) for inv in seen] + [(inv["ended"], -1) for inv in seen],
                        key=lambda e: (e[0], e[1]))
        running = peak = 0
        for _, step in events:
            running += step
            peak = max(peak, running)
        self.assertEqual(peak, 2)  # the backlog scaled it up to the cap, never beyond

    def test_disable_pauses_and_enable_resumes(self):
        fn, sink = self.sink_function()
        url, arn = self.queue()
        m = self.mapping(fn, arn)
        self.wait_state(m["UUID"], "Enabled")
        self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
        self.wait_state(m["UUID"], "Disabled")
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody="p%d" % i)
        time.sleep(2)
        self.assertEqual(self.counts(url), (3, 0))
        self.assertEqual(self.sqs.receive_message(QueueUrl=sink, WaitTimeSeconds=0).get("Messages", []), [])
        self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
        seen = self.drain(sink, lambda s: len(self.records(s)) >= 3)
        self.assertEqual(sorted(r["body"] for r in self.records(seen)), ["p0", "p1", "p2"])
        self.wait_empty(url)


class EsmDurabilityTest(EsmTestCase):
    def test_kill_9_with_a_backlog_loses_nothing_and_keeps_the_mapping(self):
        # Short enough for the batches in flight at the kill to come back soon, long enough for a
        # cold start on a loaded machine.
        fn, sink = self.sink_function(timeout=10)
        url, arn = self.queue(VisibilityTimeout="10")
        sent = set()
        for i in range(20):
            r = self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(j), "MessageBody": "k%d-%d" % (i, j)} for j in range(10)])
            sent.update(e["MessageId"] for e in r["Successful"])
        m = self.mapping(fn, arn, BatchSize=10)
        delivered = set()
        first = self.drain(sink, lambda s: len(s) >= 2)
        delivered.update(r["messageId"] for r in self.records(first))
        self.server.kill()
        self.server.proc = None
        self.server.start()
        type(self)._attach(self.server)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=m["UUID"])["State"], "Enabled")
        rest = self.drain(sink, lambda s: sent <= delivered | {r["messageId"] for r in self.records(s)})
        delivered.update(r["messageId"] for r in self.records(rest))
        self.assertEqual(sent - delivered, set())
        self.wait_empty(url)


class EsmTwoServersTest(unittest.TestCase):
    """Server A holds the queue (account 111111111111); server B maps the same queue through
    --sqs-remotes, polling A over SigV4-signed HTTP. Both functions write to a sink on A."""
    MESSAGES = 10000

    def setUp(self):
        self.a = StratusServer(extra_args=["--account-id", "111111111111"])
        self.addCleanup(self.a.cleanup)
        self.a.start()
        if not process_tier_available(self.a):
            self.skipTest("the functions here call SQS through the process tier, not available here")
        self.remotes = os.path.join(self.a.log_dir, "remotes.json")
        with open(self.remotes, "w") as f:
            json.dump({"remotes": [{"region": REGION, "account": "111111111111", "endpoint": self.a.endpoint,
                                    "access_key_id": "test", "secret_access_key": "test"}]}, f)
        self.b = StratusServer(extra_args=["--sqs-remotes", self.remotes])
        self.addCleanup(self.b.cleanup)
        self.b.start()

    def test_two_servers_share_one_queue_without_loss(self):
        sqs = sqs_client(self.a.endpoint)
        url = sqs.create_queue(QueueName="shared")["QueueUrl"]
        sink = sqs.create_queue(QueueName="sink")["QueueUrl"]
        arn = "arn:aws:sqs:%s:111111111111:shared" % REGION
        for server, tag in ((self.a, "a"), (self.b, "b")):
            lam = server.client()
            lam.create_function(FunctionName="worker", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                                Code={"ZipFile": handler_zip(HANDLER)}, Timeout=10, Environment={"Variables": {
                                    "SINK": sink, "SINK_ENDPOINT": self.a.endpoint, "SERVER": tag}})
            m = lam.create_event_source_mapping(FunctionName="worker", EventSourceArn=arn, BatchSize=10,
                                                ScalingConfig={"MaximumConcurrency": 4})
            self.assertEqual(m["EventSourceArn"], arn)
        # A queue the remote endpoint does not have is refused as a missing local one is.
        with self.assertRaises(ClientError) as cm:
            self.b.client().create_event_source_mapping(
                FunctionName="worker", EventSourceArn="arn:aws:sqs:%s:111111111111:missing" % REGION)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                         "SQS Error Message: The specified queue does not exist.")
        sent = set()
        for i in range(self.MESSAGES // 10):
            r = sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(j), "MessageBody": "s%d-%d" % (i, j)} for j in range(10)])
            self.assertEqual(r.get("Failed", []), [])
            sent.update(e["MessageId"] for e in r["Successful"])
        self.assertEqual(len(sent), self.MESSAGES)
        delivered, by_server = set(), {"a": 0, "b": 0}
        deadline = time.monotonic() + 300
        for _ in range(100000):
            if sent <= delivered or time.monotonic() > deadline:
                break
            for m in sqs.receive_message(QueueUrl=sink, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                inv = json.loads(m["Body"])
                by_server[inv["server"]] += len(inv["event"]["Records"])
                delivered.update(r["messageId"] for r in inv["event"]["Records"])
                sqs.delete_message(QueueUrl=sink, ReceiptHandle=m["ReceiptHandle"])
        log("work shared between the servers: %r" % by_server)
        self.assertEqual(len(sent - delivered), 0, by_server)
        self.assertGreater(by_server["a"], 0, by_server)
        self.assertGreater(by_server["b"], 0, by_server)
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        deadline = time.monotonic() + 60
        for _ in range(1000):
            if (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0"):
                break
            self.assertLess(time.monotonic(), deadline, attrs)
            time.sleep(0.2)
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


if __name__ == "__main__":
    main()
