#!/usr/bin/env python3
"""The embedded SQS service (issue 10) driven by real clients: boto3 (JSON protocol), the AWS
CLI v2 of this machine (query protocol, XML) and v1 (JSON), the AWS SDK for JavaScript v3 from
node, and a Lambda function calling SQS through AWS_ENDPOINT_URL_SQS. Durability: a SIGKILL in
the middle of a send loop loses no acknowledged message, and a message in flight comes back
after its visibility timeout across a restart."""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from harness import (REGION, ROLE, StratusServer, aws_cli, handler_zip, main,  # noqa: E402
                     process_tier_available, raw_request, sqs_client, unique_name)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SDK_MODULES = os.path.join(ROOT, "third_party", "node-sdk", "node_modules")  # scripts/deps-node-sdk.sh


def attributes_md5(attributes):
    """MD5OfMessageAttributes as AWS documents it, written independently of the server."""
    buf = b""
    for name in sorted(attributes):
        a = attributes[name]
        enc = lambda b: struct.pack(">I", len(b)) + b  # noqa: E731
        buf += enc(name.encode()) + enc(a["DataType"].encode())
        if "BinaryValue" in a:
            buf += b"\x02" + enc(a["BinaryValue"])
        else:
            buf += b"\x01" + enc(a["StringValue"].encode())
    return hashlib.md5(buf).hexdigest()


def error_code(ctx):
    return ctx.exception.response["Error"]["Code"]


class SqsTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = StratusServer()
        cls.server.start()
        cls.sqs = sqs_client(cls.server.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def queue(self, prefix="q", **attributes):
        name = unique_name(prefix)
        if attributes.get("FifoQueue") == "true":
            name += ".fifo"
        return self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    # -- queues ------------------------------------------------------------------------------

    def test_create_is_idempotent_and_names_a_differing_attribute(self):
        name = unique_name("idem")
        url = self.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "3"})["QueueUrl"]
        self.assertEqual(url, "%s/000000000000/%s" % (self.server.endpoint, name))
        self.assertEqual(self.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "3"})["QueueUrl"], url)
        with self.assertRaises(ClientError) as ctx:
            self.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "4"})
        self.assertEqual(error_code(ctx), "QueueAlreadyExists")
        self.assertIn("DelaySeconds", str(ctx.exception))
        self.assertEqual(self.sqs.get_queue_url(QueueName=name)["QueueUrl"], url)

    def test_attributes_defaults_and_validation(self):
        url = self.queue()
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "30")
        self.assertEqual(attrs["MaximumMessageSize"], "1048576")
        self.assertEqual(attrs["MessageRetentionPeriod"], "345600")
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertTrue(attrs["QueueArn"].startswith("arn:aws:sqs:us-east-1:000000000000:"))
        for bad in ({"DelaySeconds": "901"}, {"VisibilityTimeout": "-1"}, {"MaximumMessageSize": "1023"}):
            with self.assertRaises(ClientError) as ctx:
                self.sqs.create_queue(QueueName=unique_name("bad"), Attributes=bad)
            self.assertEqual(error_code(ctx), "InvalidAttributeValue", bad)
        with self.assertRaises(ClientError) as ctx:
            self.sqs.create_queue(QueueName=unique_name("std"), Attributes={"ContentBasedDeduplication": "true"})
        self.assertEqual(error_code(ctx), "InvalidAttributeName")
        with self.assertRaises(ClientError) as ctx:
            self.sqs.create_queue(QueueName="bad name!")
        self.assertEqual(error_code(ctx), "InvalidParameterValue")
        with self.assertRaises(ClientError) as ctx:
            self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"])
        self.assertEqual(error_code(ctx), "InvalidAttributeName")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "7"})
        got = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
        self.assertEqual(got, {"VisibilityTimeout": "7"})

    def test_list_queues_prefix_and_pages(self):
        prefix = unique_name("list")
        urls = sorted(self.sqs.create_queue(QueueName="%s-%d" % (prefix, i))["QueueUrl"] for i in range(5))
        got, token, pages = [], None, 0
        while pages < 10:
            kw = {"QueueNamePrefix": prefix, "MaxResults": 2}
            if token:
                kw["NextToken"] = token
            page = self.sqs.list_queues(**kw)
            got += page.get("QueueUrls", [])
            pages += 1
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(got, urls)
        self.assertEqual(pages, 3)
        self.assertNotIn("QueueUrls", self.sqs.list_queues(QueueNamePrefix="no-such-prefix-zz"))

    def test_unknown_queue_and_deleted_queue(self):
        with self.assertRaises(ClientError) as ctx:
            self.sqs.get_queue_url(QueueName="never-created-here")
        self.assertEqual(error_code(ctx), "AWS.SimpleQueueService.NonExistentQueue")
        url = self.queue()
        self.sqs.delete_queue(QueueUrl=url)
        with self.assertRaises(ClientError) as ctx:
            self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.assertEqual(error_code(ctx), "AWS.SimpleQueueService.NonExistentQueue")

    def test_tags(self):
        url = self.queue()
        self.sqs.tag_queue(QueueUrl=url, Tags={"team": "a", "env": "dev"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "a"})

    def test_add_and_remove_permission_edit_the_policy(self):
        url = self.queue()
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sqs.add_permission(QueueUrl=url, Label="one", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
        self.sqs.add_permission(QueueUrl=url, Label="two", AWSAccountIds=["111122223333", "444455556666"],
                                Actions=["ReceiveMessage", "DeleteMessage"])
        policy = json.loads(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
        self.assertEqual(policy["Version"], "2012-10-17")
        self.assertEqual(policy["Statement"][0], {
            "Sid": "one", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "SQS:SendMessage", "Resource": arn})
        self.assertEqual(policy["Statement"][1]["Principal"]["AWS"],
                         ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"])
        self.assertEqual(policy["Statement"][1]["Action"], ["SQS:ReceiveMessage", "SQS:DeleteMessage"])
        with self.assertRaises(ClientError) as e:
            self.sqs.add_permission(QueueUrl=url, Label="one", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")
        self.assertIn("Already exists", e.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as e:
            self.sqs.add_permission(QueueUrl=url, Label="three", AWSAccountIds=["111122223333"], Actions=["CreateQueue"])
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")
        self.sqs.remove_permission(QueueUrl=url, Label="one")
        policy = json.loads(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
        self.assertEqual([st["Sid"] for st in policy["Statement"]], ["two"])
        with self.assertRaises(ClientError) as e:
            self.sqs.remove_permission(QueueUrl=url, Label="one")
        self.assertIn("can't find label", e.exception.response["Error"]["Message"])
        self.sqs.remove_permission(QueueUrl=url, Label="two")
        self.assertNotIn("Policy", self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"])

    # -- messages ----------------------------------------------------------------------------

    def test_send_receive_delete_with_attributes_and_digests(self):
        url = self.queue()
        attrs = {"Author": {"DataType": "String", "StringValue": "John Grisham"},
                 "WeeksOn": {"DataType": "Number", "StringValue": "6"},
                 "Raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}}
        body = "h\u00e9llo \U0001F600"
        sent = self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5(body.encode()).hexdigest())
        self.assertEqual(sent["MD5OfMessageAttributes"], attributes_md5(attrs))
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                       MessageSystemAttributeNames=["All"])["Messages"]
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertEqual((m["MessageId"], m["Body"]), (sent["MessageId"], body))
        self.assertEqual(m["MessageAttributes"]["Raw"]["BinaryValue"], b"\x00\x01\xff")
        self.assertEqual(m["MD5OfMessageAttributes"], attributes_md5(attrs))
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertIn("SentTimestamp", m["Attributes"])
        # Only the attributes asked for come back.
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        again = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["Author"])["Messages"][0]
        self.assertEqual(list(again["MessageAttributes"]), ["Author"])
        self.assertEqual(again["MD5OfMessageAttributes"], attributes_md5({"Author": attrs["Author"]}))
        self.assertNotIn("Attributes", again)
        # The first receipt handle is stale now: success, nothing deleted (standard queue).
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        counts = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
        self.assertEqual(counts["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
        counts = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual((counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]), ("0", "0"))

    def test_visibility_timeout_returns_a_message(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="again")
        first = self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        # A long poll is answered when the message becomes visible again.
        again = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, AttributeNames=["ApproximateReceiveCount"])
        self.assertEqual(again["Messages"][0]["MessageId"], first["MessageId"])
        self.assertEqual(again["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "2")
        self.assertNotEqual(again["Messages"][0]["ReceiptHandle"], first["ReceiptHandle"])

    def test_long_poll_is_answered_by_a_send(self):
        url = self.queue()
        result = {}

        def poll():
            start = time.monotonic()
            result["r"] = sqs_client(self.server.endpoint).receive_message(QueueUrl=url, WaitTimeSeconds=15)
            result["elapsed"] = time.monotonic() - start

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.5)
        self.sqs.send_message(QueueUrl=url, MessageBody="wake up")
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["r"]["Messages"][0]["Body"], "wake up")
        self.assertLess(result["elapsed"], 15)  # answered by the send, not by its deadline

    def test_delay_seconds(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        self.assertEqual(a["Attributes"]["ApproximateNumberOfMessagesDelayed"], "1")
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
        self.assertEqual(got["Messages"][0]["Body"], "later")

    def test_batches_and_their_errors(self):
        url = self.queue()
        r = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2", "DelaySeconds": 1000},
            {"Id": "c", "MessageBody": "3"}])
        self.assertEqual(sorted(e["Id"] for e in r["Successful"]), ["a", "c"])
        self.assertEqual([(f["Id"], f["Code"], f["SenderFault"]) for f in r["Failed"]],
                         [("b", "InvalidParameterValue", True)])
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        d = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "x%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)] + [
            {"Id": "bad", "ReceiptHandle": "garbage"}])
        self.assertEqual(len(d["Successful"]), 2)
        self.assertEqual([f["Code"] for f in d["Failed"]], ["ReceiptHandleIsInvalid"])
        cases = [([], "AWS.SimpleQueueService.EmptyBatchRequest"),
                 ([{"Id": str(i), "MessageBody": "m"} for i in range(11)],
                  "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
                 ([{"Id": "same", "MessageBody": "m"}] * 2, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
                 ([{"Id": "no spaces", "MessageBody": "m"}], "AWS.SimpleQueueService.InvalidBatchEntryId")]
        for entries, code in cases:
            with self.assertRaises(ClientError) as ctx:
                self._unvalidated().send_message_batch(QueueUrl=url, Entries=entries)
            self.assertEqual(error_code(ctx), code, entries[:1])

    def _unvalidated(self):
        cfg = Config(region_name=REGION, parameter_validation=False, retries={"total_max_attempts": 1})
        return boto3.session.Session().client("sqs", endpoint_url=self.server.endpoint, region_name=REGION,
                                              aws_access_key_id="test", aws_secret_access_key="test", config=cfg)

    def test_parameter_errors(self):
        url = self.queue()
        sqs = self._unvalidated()
        for call, code in [
                (lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11), "InvalidParameterValue"),
                (lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21), "InvalidParameterValue"),
                (lambda: sqs.send_message(QueueUrl=url, MessageBody=""), "MissingParameter"),
                (lambda: sqs.send_message(QueueUrl=url, MessageBody="\x01"), "InvalidMessageContents"),
                (lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * 1048577), "InvalidParameterValue"),
                (lambda: sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes={
                    "a": {"DataType": "String", "StringValue": ""}}), "InvalidParameterValue"),
                (lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle"), "ReceiptHandleIsInvalid"),
                (lambda: sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="x", VisibilityTimeout=43201),
                 "InvalidParameterValue")]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(error_code(ctx), code)
        sqs.purge_queue(QueueUrl=url)
        with self.assertRaises(ClientError) as ctx:
            sqs.purge_queue(QueueUrl=url)
        self.assertEqual(error_code(ctx), "AWS.SimpleQueueService.PurgeQueueInProgress")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_wrong_json_types_and_malformed_bodies_are_400(self):
        url = self.queue()
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        for target, body in [("CreateQueue", {"QueueName": 5}), ("SendMessage", {"QueueUrl": url, "MessageBody": ["x"]}),
                             ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": "ten"}),
                             ("SendMessage", {"QueueUrl": url, "MessageBody": "m", "MessageAttributes": {"a": 1}}),
                             ("SendMessageBatch", {"QueueUrl": url, "Entries": {"Id": "a"}})]:
            r = raw_request(self.server.port, "POST", "/", body=json.dumps(body).encode(),
                            headers=dict(headers, **{"X-Amz-Target": "AmazonSQS." + target}))
            self.assertEqual(r.status, 400, (target, body, r))
            self.assertIn("SerializationException", r.json()["__type"])
        deep = b"[" * 100000 + b"]" * 100000
        for body in (b"{not json", deep, b"\xff\xfe"):
            r = raw_request(self.server.port, "POST", "/", body=body,
                            headers=dict(headers, **{"X-Amz-Target": "AmazonSQS.ListQueues"}))
            self.assertEqual(r.status, 400, body[:20])
        r = raw_request(self.server.port, "POST", "/", body=b"{}",
                        headers=dict(headers, **{"X-Amz-Target": "AmazonSQS.Frobnicate"}))
        self.assertEqual(r.status, 400)
        self.assertTrue(r.header("x-amzn-query-error").startswith("InvalidAction;"))
        self.assertTrue(self.server.healthy())

    def test_redrive_to_dead_letter_queue(self):
        dlq = self.queue("dlq")
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
        src = self.queue("src", RedrivePolicy=policy)
        got = self.sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]
        self.assertEqual(json.loads(got["RedrivePolicy"]), {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        sent = self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for _ in range(2):
            self.assertEqual(len(self.sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]), 1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        moved = self.sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5, MessageSystemAttributeNames=["All"])
        m = moved["Messages"][0]
        self.assertEqual((m["MessageId"], m["Body"]), (sent["MessageId"], "poison"))
        self.assertEqual(m["Attributes"]["DeadLetterQueueSourceArn"], dlq_arn.rsplit(":", 1)[0] + ":" + src.rsplit("/", 1)[1])
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])
        with self.assertRaises(ClientError) as ctx:
            self.queue("src", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn + "-gone", "maxReceiveCount": 1}))
        self.assertEqual(error_code(ctx), "InvalidParameterValue")

    def test_message_move_task_redrives_back_to_the_source(self):
        dlq = self.queue("mdlq")
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = self.queue("msrc", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
        ids = [self.sqs.send_message(QueueUrl=src, MessageBody="m%d" % i)["MessageId"] for i in range(3)]
        self.assertEqual(len(self.sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]), 3)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10))  # all moved
        with self.assertRaises(ClientError) as ctx:
            self.sqs.start_message_move_task(SourceArn=dlq_arn.replace("mdlq", "nope"))
        self.assertEqual(error_code(ctx), "ResourceNotFoundException")
        self.sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=100)
        back = []
        for _ in range(20):
            back += self.sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
            if len(back) >= 3:
                break
        self.assertEqual(sorted(m["MessageId"] for m in back), sorted(ids))
        tasks = []
        for _ in range(50):
            tasks = self.sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
            if tasks and tasks[0]["Status"] != "RUNNING":
                break
            time.sleep(0.1)
        self.assertEqual((tasks[0]["Status"], tasks[0]["ApproximateNumberOfMessagesMoved"]), ("COMPLETED", 3))
        with self.assertRaises(ClientError) as ctx:
            self.sqs.start_message_move_task(SourceArn=src.replace("/000000000000/", ":"))
        self.assertIn(error_code(ctx), ("ResourceNotFoundException", "InvalidParameterValue"))

    def test_fifo_order_groups_and_deduplication(self):
        url = self.queue("fifo", FifoQueue="true")
        seqs = []
        for i, group in enumerate("AABA"):
            seqs.append(self.sqs.send_message(QueueUrl=url, MessageBody="%s%d" % (group, i), MessageGroupId=group,
                                              MessageDeduplicationId="d%d" % i)["SequenceNumber"])
        self.assertEqual(seqs, sorted(seqs, key=int))
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="again", MessageGroupId="A", MessageDeduplicationId="d0")
        self.assertEqual(dup["SequenceNumber"], seqs[0])  # accepted, not enqueued again
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
        self.assertEqual([m["Body"] for m in first], ["A0", "A1", "B2", "A3"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10))
        # Group A stays locked while A0 is in flight even when B's messages are done.
        for m in first[1:]:
            self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
        nxt = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        self.assertEqual([m["Body"] for m in nxt], ["A1"])
        with self.assertRaises(ClientError) as ctx:
            self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.assertEqual(error_code(ctx), "MissingParameter")
        with self.assertRaises(ClientError) as ctx:
            self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="A")
        self.assertEqual(error_code(ctx), "InvalidParameterValue")
        with self.assertRaises(ClientError) as ctx:
            self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="A", MessageDeduplicationId="n",
                                  DelaySeconds=1)
        self.assertEqual(error_code(ctx), "InvalidParameterValue")
        cbd = self.queue("cbd", FifoQueue="true", ContentBasedDeduplication="true")
        a = self.sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g")
        b = self.sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g")
        self.assertEqual(a["MessageId"], b["MessageId"])

    # -- other clients -----------------------------------------------------------------------

    def test_aws_cli_query_and_json_protocols(self):
        # scripts/aws-cli's CLI (v2: Debian's 2.9 speaks the query protocol), then `aws` on PATH
        # (here v1 on a botocore that speaks JSON).
        clis = [None]
        v1 = shutil.which("aws")
        if v1:
            clis.append(v1)
        for exe in clis:
            name = unique_name("cli")
            env_exe = {"STRATUS_AWS_CLI": exe} if exe else {}
            res = self._cli(env_exe, "create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=5")
            self.assertEqual(res.returncode, 0, res)
            url = res.json()["QueueUrl"]
            res = self._cli(env_exe, "send-message", "--queue-url", url, "--message-body", "a <b> & c",
                            "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
            self.assertEqual(res.returncode, 0, res)
            res = self._cli(env_exe, "receive-message", "--queue-url", url, "--message-attribute-names", "All",
                            "--attribute-names", "All")
            self.assertEqual(res.returncode, 0, res)
            m = res.json()["Messages"][0]
            self.assertEqual((m["Body"], m["MessageAttributes"]["k"]["StringValue"]), ("a <b> & c", "v"))
            self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
            res = self._cli(env_exe, "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
            self.assertEqual(res.returncode, 0, res)
            res = self._cli(env_exe, "add-permission", "--queue-url", url, "--label", "cli",
                            "--aws-account-ids", "111122223333", "444455556666", "--actions", "SendMessage")
            self.assertEqual(res.returncode, 0, res)
            res = self._cli(env_exe, "get-queue-attributes", "--queue-url", url, "--attribute-names", "Policy")
            statement = json.loads(res.json()["Attributes"]["Policy"])["Statement"][0]
            self.assertEqual(len(statement["Principal"]["AWS"]), 2, statement)
            res = self._cli(env_exe, "remove-permission", "--queue-url", url, "--label", "cli")
            self.assertEqual(res.returncode, 0, res)
            res = self._cli(env_exe, "get-queue-url", "--queue-name", "no-such-queue-here")
            self.assertNotEqual(res.returncode, 0)
            self.assertIn("NonExistentQueue", res.stderr)

    def _cli(self, env_exe, *args):
        import harness
        saved = harness._CLI_EXE
        try:
            if env_exe:
                harness._CLI_EXE = env_exe["STRATUS_AWS_CLI"]
            return aws_cli(self.server.endpoint, *args, service="sqs")
        finally:
            harness._CLI_EXE = saved

    def test_sdk_v3_from_node(self):
        if not os.path.isdir(os.path.join(SDK_MODULES, "@aws-sdk", "client-sqs")):
            self.skipTest("@aws-sdk/client-sqs not installed (scripts/deps.sh)")
        script = r"""
const { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand } =
  require('@aws-sdk/client-sqs');
(async () => {
  const c = new SQSClient({ region: 'us-east-1', endpoint: process.argv[1],
                            credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: process.argv[2] }));
  const sent = await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from v3',
    MessageAttributes: { n: { DataType: 'Number', StringValue: '42' } } }));
  const got = await c.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 2 }));
  await c.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle }));
  console.log(JSON.stringify({ sent: sent.MessageId, got: got.Messages[0].MessageId, body: got.Messages[0].Body,
                               n: got.Messages[0].MessageAttributes.n.StringValue }));
})().catch((e) => { console.error(e); process.exit(1); });
"""
        out = subprocess.run(["node", "-e", script, self.server.endpoint, unique_name("v3")], capture_output=True,
                             timeout=60, env=dict(os.environ, NODE_PATH=SDK_MODULES))
        self.assertEqual(out.returncode, 0, out.stderr.decode()[-2000:])
        r = json.loads(out.stdout)
        self.assertEqual((r["got"], r["body"], r["n"]), (r["sent"], "from v3", "42"))

    def test_a_function_sends_through_aws_endpoint_url_sqs(self):
        if not process_tier_available(self.server):
            self.skipTest("the process tier is not available here (see the server's start-up warning)")
        url = self.queue("fromfn")
        fn = unique_name("sender")
        code = handler_zip("""
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const r = await sqs.send(new SendMessageCommand({ QueueUrl: event.url, MessageBody: 'hi from ' + process.env.AWS_LAMBDA_FUNCTION_NAME }));
  return { id: r.MessageId, endpoint: process.env.AWS_ENDPOINT_URL_SQS };
};
""")
        lam = self.server.client()
        lam.create_function(FunctionName=fn, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": code}, Timeout=30)
        r = lam.invoke(FunctionName=fn, Payload=json.dumps({"url": url}))
        out = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, out)
        self.assertEqual(out["endpoint"], self.server.endpoint)
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
        self.assertEqual((got["MessageId"], got["Body"]), (out["id"], "hi from " + fn))


class SqsDurabilityTest(unittest.TestCase):
    def setUp(self):
        self.server = StratusServer()
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def test_sigkill_mid_send_loop_loses_no_acknowledged_message(self):
        sqs = sqs_client(self.server.endpoint)
        url = sqs.create_queue(QueueName="durable")["QueueUrl"]
        acked, stop = [], threading.Event()

        def sender(k):
            client = sqs_client(self.server.endpoint)
            for i in range(5000):
                if stop.is_set():
                    return
                try:
                    if i % 2:
                        r = client.send_message_batch(QueueUrl=url, Entries=[
                            {"Id": "e%d" % j, "MessageBody": "%d-%d-%d" % (k, i, j)} for j in range(10)])
                        acked.extend(e["MessageId"] for e in r["Successful"])
                    else:
                        acked.append(client.send_message(QueueUrl=url, MessageBody="%d-%d" % (k, i))["MessageId"])
                except Exception:  # the server died under us: that send was not acknowledged
                    return

        threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(acked) < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.server.kill()
        stop.set()
        for t in threads:
            t.join(30)
        self.assertGreater(len(acked), 0)
        self.server.start()
        sqs = sqs_client(self.server.endpoint)
        seen = set()
        for _ in range(len(acked) // 10 + 200):
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", [])
            if not got:
                break
            seen.update(m["MessageId"] for m in got)
        missing = set(acked) - seen
        self.assertFalse(missing, "%d of %d acknowledged messages lost" % (len(missing), len(acked)))

    def test_in_flight_message_returns_after_restart(self):
        sqs = sqs_client(self.server.endpoint)
        url = sqs.create_queue(QueueName="inflight", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="keep me")
        first = sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.server.kill()
        self.server.start()
        sqs = sqs_client(self.server.endpoint)
        self.assertEqual(sqs.get_queue_url(QueueName="inflight")["QueueUrl"], url.replace(
            url.split("/")[2], "127.0.0.1:%d" % self.server.port))
        url = sqs.get_queue_url(QueueName="inflight")["QueueUrl"]
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, AttributeNames=["ApproximateReceiveCount"])
        m = got["Messages"][0]
        self.assertEqual((m["MessageId"], m["Attributes"]["ApproximateReceiveCount"]), (first["MessageId"], "2"))


if __name__ == "__main__":
    main()
