#!/usr/bin/env python3
"""Asynchronous invocation that loses nothing (issue 11), driven by boto3: Event invokes are
durable before their 202, retried as Lambda retries them (delays scaled by
--async-delay-scale 0.01, so a minute is 0.6 s and six hours 216 s), their outcomes reach
OnSuccess/OnFailure destinations (SQS queues of this server, or another function) as Lambda's
invocation record, failures reach the function's dead-letter queue, and a kill -9 with a
backlog of accepted events loses none of them. Everything a test observes comes out of queues
of the same server."""
import json
import os
import re
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (ARN_PREFIX, REGION, StratusTestCase, lambda_client, main,  # noqa: E402
                     raw_request, sqs_client, unique_name)

SCALE = 0.01
ISO_MS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
RECEIVE_DEADLINE_S = 60

OK_HANDLER = "exports.handler = async (e) => ({ok: true, got: e});\n"
FAIL_HANDLER = ("exports.handler = async (e) => { const err = new Error('boom ' + JSON.stringify(e));"
                " err.name = 'BoomError'; throw err; };\n")
SLOW_HANDLER = ("exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.sleep_ms || 0));"
                " return {slept: e.sleep_ms || 0, n: e.n}; };\n")


class AsyncInvokeTest(StratusTestCase):
    server_args = ("--async-delay-scale", str(SCALE))

    @classmethod
    def _attach(cls, server):
        super()._attach(server)
        cls.sqs = sqs_client(server.endpoint)

    # -- helpers ------------------------------------------------------------------------------

    def create_function(self, *args, **kwargs):
        # A cold start on a loaded machine must not time out: an extra attempt would change
        # the approximateInvokeCount the tests check.
        kwargs.setdefault("Timeout", 30)
        return super().create_function(*args, **kwargs)

    def queue(self):
        url = self.sqs.create_queue(QueueName=unique_name("dest"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def receive(self, url, count, deadline_s=RECEIVE_DEADLINE_S, sqs=None):
        """At least `count` messages (deleted as read), or fails after `deadline_s`."""
        sqs = sqs or self.sqs
        got, deadline = [], time.time() + deadline_s
        while len(got) < count and time.time() < deadline:
            r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    MessageAttributeNames=["All"])
            msgs = r.get("Messages", [])
            got.extend(msgs)
            if msgs:
                sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        self.assertGreaterEqual(len(got), count, "only %d of %d messages arrived\n%s"
                                % (len(got), count, self.server.log_tail()))
        return got

    def assertNothingMore(self, url):
        r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        self.assertEqual(r.get("Messages", []), [])

    def invoke_event(self, name, payload, client=None, **kwargs):
        r = (client or self.lam).invoke(FunctionName=name, InvocationType="Event",
                                        Payload=json.dumps(payload).encode(), **kwargs)
        self.assertEqual(r["StatusCode"], 202)
        return r["ResponseMetadata"]["RequestId"]

    def status(self):
        r = raw_request(self.server.port, "GET", "/_stratus/status")
        self.assertEqual(r.status, 200)
        return r.json()["async"]

    def assertRecord(self, record, request_id, function_arn, condition, count, payload):
        self.assertEqual(list(record)[:4], ["version", "timestamp", "requestContext", "requestPayload"])
        self.assertEqual(record["version"], "1.0")
        self.assertRegex(record["timestamp"], ISO_MS_RE)
        self.assertEqual(record["requestContext"], {
            "requestId": request_id, "functionArn": function_arn, "condition": condition,
            "approximateInvokeCount": count})
        self.assertEqual(record["requestPayload"], payload)

    # -- retries, destinations, DLQ -----------------------------------------------------------

    def test_on_success_to_a_queue_gets_the_exact_record(self):
        url, arn = self.queue()
        name, _, _ = self.create_function(source=OK_HANDLER)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}})
        rid = self.invoke_event(name, {"hello": "world", "n": [1, 2.5, None]})
        [msg] = self.receive(url, 1)
        record = json.loads(msg["Body"])
        self.assertRecord(record, rid, ARN_PREFIX + name + ":$LATEST", "Success", 1,
                          {"hello": "world", "n": [1, 2.5, None]})
        self.assertEqual(record["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(record["responsePayload"], {"ok": True, "got": {"hello": "world", "n": [1, 2.5, None]}})
        self.assertNothingMore(url)

    def test_retries_are_counted_and_on_failure_gets_retries_exhausted(self):
        url, arn = self.queue()
        name, _, _ = self.create_function(source=FAIL_HANDLER)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn}})
        started = time.time()
        rid = self.invoke_event(name, {"k": 1})
        [msg] = self.receive(url, 1)
        record = json.loads(msg["Body"])
        # Default MaximumRetryAttempts 2: three attempts, ~0.6 s then ~1.2 s apart (scaled).
        self.assertRecord(record, rid, ARN_PREFIX + name + ":$LATEST", "RetriesExhausted", 3, {"k": 1})
        self.assertGreaterEqual(time.time() - started, (60 + 120) * SCALE)
        self.assertEqual(record["responseContext"],
                         {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        self.assertEqual(record["responsePayload"]["errorType"], "BoomError")
        self.assertEqual(record["responsePayload"]["errorMessage"], 'boom {"k":1}')

        # MaximumRetryAttempts 0 on a version's alias: one attempt, reported under the alias.
        version = self.lam.publish_version(FunctionName=name)["Version"]
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, Qualifier="live", MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": arn}})
        rid = self.invoke_event(name, {"k": 2}, Qualifier="live")
        [msg] = self.receive(url, 1)
        record = json.loads(msg["Body"])
        self.assertRecord(record, rid, ARN_PREFIX + name + ":live", "RetriesExhausted", 1, {"k": 2})
        self.assertEqual(record["responseContext"]["executedVersion"], version)
        self.assertNothingMore(url)
        self.assertGreaterEqual(self.status()["retried"], 2)

    def test_destinations_to_another_function_which_is_itself_async(self):
        url, arn = self.queue()
        relay, _, _ = self.create_function(source=OK_HANDLER)
        self.lam.put_function_event_invoke_config(
            FunctionName=relay, DestinationConfig={"OnSuccess": {"Destination": arn}})
        name, _, _ = self.create_function(source=FAIL_HANDLER)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": ARN_PREFIX + relay}})
        rid = self.invoke_event(name, {"via": "function"})
        [msg] = self.receive(url, 1)
        outer = json.loads(msg["Body"])
        self.assertEqual(outer["requestContext"]["condition"], "Success")
        self.assertEqual(outer["requestContext"]["functionArn"], ARN_PREFIX + relay + ":$LATEST")
        inner = outer["requestPayload"]  # what the relay function was invoked with
        self.assertRecord(inner, rid, ARN_PREFIX + name + ":$LATEST", "RetriesExhausted", 2, {"via": "function"})
        self.assertEqual(inner["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(outer["responsePayload"], {"ok": True, "got": inner})

    def test_dead_letter_queue_gets_the_original_event_and_attributes(self):
        url, arn = self.queue()
        name, _, _ = self.create_function(source=FAIL_HANDLER, DeadLetterConfig={"TargetArn": arn})
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"],
                         {"TargetArn": arn})
        self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        raw = b'{"original" : [1,  2], "x": "\\u00e9"}'
        r = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=raw)
        rid = r["ResponseMetadata"]["RequestId"]
        [msg] = self.receive(url, 1)
        self.assertEqual(msg["Body"].encode(), raw)  # verbatim, spacing and escapes included
        attrs = msg["MessageAttributes"]
        self.assertEqual(attrs["RequestID"], {"DataType": "String", "StringValue": rid})
        self.assertEqual(attrs["ErrorCode"], {"DataType": "Number", "StringValue": "200"})
        self.assertEqual(attrs["ErrorMessage"]["DataType"], "String")
        self.assertEqual(attrs["ErrorMessage"]["StringValue"], 'boom {"original":[1,2],"x":"é"}')

    def test_throttled_events_all_run_once_the_throttle_lifts(self):
        url, arn = self.queue()
        name, _, _ = self.create_function(source=SLOW_HANDLER)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}})
        before = self.status()["throttled"]
        # A sync invoke holds the one unit of concurrency while the 20 events arrive.
        holder = threading.Thread(target=lambda: self.invoke_ok(name, {"sleep_ms": 1500, "n": -1}))
        holder.start()
        time.sleep(0.3)
        ids = [self.invoke_event(name, {"n": i}) for i in range(20)]
        holder.join(timeout=30)
        msgs = self.receive(url, 20)
        records = [json.loads(m["Body"]) for m in msgs]
        self.assertEqual(sorted(r["requestContext"]["requestId"] for r in records), sorted(ids))
        self.assertEqual(sorted(r["responsePayload"]["n"] for r in records), list(range(20)))
        # Throttles are not attempts.
        self.assertEqual({r["requestContext"]["approximateInvokeCount"] for r in records}, {1})
        self.assertGreater(self.status()["throttled"], before)

    def test_an_event_past_its_age_goes_to_on_failure_with_event_age_exceeded(self):
        url, arn = self.queue()
        name, _, _ = self.create_function(source=SLOW_HANDLER)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumEventAgeInSeconds=60,  # 0.6 s scaled
            DestinationConfig={"OnFailure": {"Destination": arn}})
        before = self.status()["dropped_too_old"]
        holder = threading.Thread(target=lambda: self.invoke_ok(name, {"sleep_ms": 2500}))
        holder.start()
        time.sleep(0.3)
        rid = self.invoke_event(name, {"late": True})
        [msg] = self.receive(url, 1)
        holder.join(timeout=30)
        record = json.loads(msg["Body"])
        self.assertRecord(record, rid, ARN_PREFIX + name + ":$LATEST", "EventAgeExceeded", 0, {"late": True})
        self.assertNotIn("responseContext", record)  # it never ran
        self.assertEqual(self.status()["dropped_too_old"], before + 1)

    def test_a_missing_destination_is_retried_then_logged_not_dropped_silently(self):
        name, _, _ = self.create_function(source=OK_HANDLER)
        gone = "arn:aws:sqs:us-east-1:000000000000:" + unique_name("gone")
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": gone}})
        before = self.status()
        self.invoke_event(name, {"x": 1})
        deadline = time.time() + 30
        while time.time() < deadline and self.status()["delivery_given_up"] == before["delivery_given_up"]:
            time.sleep(0.2)
        after = self.status()
        self.assertEqual(after["delivery_given_up"], before["delivery_given_up"] + 1)
        self.assertGreaterEqual(after["delivery_retries"], before["delivery_retries"] + 4)
        self.assertIn("giving up delivering event", self.server.log_tail(20000))

    # -- event invoke config API ----------------------------------------------------------------

    def test_event_invoke_config_shapes_defaults_and_errors(self):
        url, arn = self.queue()
        name, _, _ = self.create_function(source=OK_HANDLER)
        other, _, _ = self.create_function(source=OK_HANDLER)
        put = self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        self.assertEqual(put["FunctionArn"], ARN_PREFIX + name + ":$LATEST")
        self.assertEqual(put["MaximumRetryAttempts"], 1)
        self.assertNotIn("MaximumEventAgeInSeconds", put)
        self.assertEqual(put["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}})
        self.assertLess(abs(put["LastModified"].timestamp() - time.time()), 60)
        # Update merges; Put replaces.
        upd = self.lam.update_function_event_invoke_config(
            FunctionName=name, MaximumEventAgeInSeconds=100,
            DestinationConfig={"OnFailure": {"Destination": ARN_PREFIX + other}})
        self.assertEqual((upd["MaximumRetryAttempts"], upd["MaximumEventAgeInSeconds"]), (1, 100))
        self.assertEqual(upd["DestinationConfig"]["OnFailure"], {"Destination": ARN_PREFIX + other})
        rep = self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}})
        self.assertNotIn("MaximumRetryAttempts", rep)
        self.assertEqual(rep["DestinationConfig"], {"OnSuccess": {"Destination": arn}, "OnFailure": {}})
        got = self.lam.get_function_event_invoke_config(FunctionName=ARN_PREFIX + name)
        self.assertEqual(got["DestinationConfig"], rep["DestinationConfig"])
        # A version's config is its own.
        version = self.lam.publish_version(FunctionName=name)["Version"]
        self.lam.put_function_event_invoke_config(FunctionName=name + ":" + version, MaximumRetryAttempts=0)
        listed = self.lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
        self.assertEqual(sorted(c["FunctionArn"] for c in listed),
                         sorted([ARN_PREFIX + name + ":$LATEST", ARN_PREFIX + name + ":" + version]))

        self.assertAwsError(lambda: self.lam.put_function_event_invoke_config(FunctionName=name),
                            "InvalidParameterValueException", 400,
                            "You must specify at least one of error handling or destination setting.")
        self.assertAwsError(lambda: self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": ARN_PREFIX + name}}),
            "InvalidParameterValueException", 400, "You can't specify the function as a destination for itself.")
        bad = "arn:aws:s3:::bucket"
        self.assertAwsError(lambda: self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": bad}}),
            "InvalidParameterValueException", 400, "The destination ARN %s is invalid." % bad)
        self.assertAwsError(lambda: self.lam_nv.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=3), "ValidationException", 400)
        self.assertAwsError(lambda: self.lam_nv.put_function_event_invoke_config(
            FunctionName=name, MaximumEventAgeInSeconds=59), "ValidationException", 400)
        self.assertAwsError(lambda: self.lam.get_function_event_invoke_config(FunctionName=other),
                            "ResourceNotFoundException", 404,
                            "The function %s:$LATEST doesn't have an EventInvokeConfig" % (ARN_PREFIX + other))
        self.assertAwsError(lambda: self.lam.put_function_event_invoke_config(
            FunctionName=unique_name("nope"), MaximumRetryAttempts=1),
            "ResourceNotFoundException", 404, "The function doesn't exist.")
        self.assertAwsError(lambda: self.lam.list_function_event_invoke_configs(FunctionName=unique_name("nope")),
                            "ResourceNotFoundException", 404, "The function doesn't exist.")

        self.lam.delete_function_event_invoke_config(FunctionName=name)
        self.assertAwsError(lambda: self.lam.delete_function_event_invoke_config(FunctionName=name),
                            "ResourceNotFoundException", 404)
        # Deleting the function deletes its configs: a new function of that name has none.
        self.lam.delete_function(FunctionName=name)
        self.create_function(name=name, source=OK_HANDLER)
        self.assertEqual(self.lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"], [])

    def test_legacy_invoke_async_is_durable_too(self):
        url, arn = self.queue()
        name, _, _ = self.create_function(source=OK_HANDLER)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}})
        r = raw_request(self.server.port, "POST", "/2014-11-13/functions/%s/invoke-async/" % name,
                        body=b'{"legacy": 1}')
        self.assertEqual(r.status, 202)
        self.assertEqual(r.json(), {"Status": 202})
        [msg] = self.receive(url, 1)
        self.assertEqual(json.loads(msg["Body"])["requestPayload"], {"legacy": 1})


class AsyncCrashTest(StratusTestCase):
    """kill -9 with a backlog of 1,000 accepted events: after a restart on the same data dir,
    every one of them runs (their success records all reach the queue, at least once)."""
    server_args = ("--async-delay-scale", str(SCALE))
    EVENTS = 1000
    CLIENTS = 8

    def test_kill_9_with_a_backlog_loses_no_accepted_event(self):
        sqs = sqs_client(self.server.endpoint)
        url = sqs.create_queue(QueueName=unique_name("crash"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        name, _, _ = self.create_function(source=SLOW_HANDLER, cleanup=False, Timeout=30)
        # One at a time and 20 ms each: the backlog is still long when the server dies.
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}})
        accepted, lock = {}, threading.Lock()

        def send(worker):
            client = lambda_client(self.server.endpoint)
            for i in range(worker, self.EVENTS, self.CLIENTS):
                r = client.invoke(FunctionName=name, InvocationType="Event",
                                  Payload=json.dumps({"n": i, "sleep_ms": 20}).encode())
                if r["StatusCode"] == 202:
                    with lock:
                        accepted[r["ResponseMetadata"]["RequestId"]] = i

        threads = [threading.Thread(target=send, args=(w,)) for w in range(self.CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(len(accepted), self.EVENTS)
        backlog = raw_request(self.server.port, "GET", "/_stratus/status").json()["async"]["queued"]
        self.assertGreater(backlog, 100, "the backlog ran out before the kill; the test proves nothing")
        self.server.kill()
        self.server.proc = None
        self.server.start()
        type(self)._attach(self.server)
        sqs = sqs_client(self.server.endpoint)
        seen, deadline = set(), time.time() + 180
        while len(seen) < self.EVENTS and time.time() < deadline:
            r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            msgs = r.get("Messages", [])
            for m in msgs:
                seen.add(json.loads(m["Body"])["requestContext"]["requestId"])
            if msgs:
                sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        missing = set(accepted) - seen
        self.assertEqual(len(missing), 0, "%d accepted events never ran, e.g. %s" % (len(missing), sorted(missing)[:3]))


if __name__ == "__main__":
    main()
