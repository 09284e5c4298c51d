#!/usr/bin/env python3
"""Function logs as CloudWatch Logs (issue 13, Logs): every invocation's lines land in
/aws/lambda/NAME, one stream per execution environment, and the CloudWatch Logs API on the
same port serves them to boto3, the AWS CLI v2 (`aws logs tail --follow` unchanged) and a
function's own SDK. Filter patterns of each kind, GetLogEvents tokens, DescribeLogStreams
ordering and paging, retention (a fast sweep), the size cap dropping the oldest streams, a
restart keeping the logs, and every member of every served operation given values of the
wrong type (generated from botocore's model): each a 400, never a 5xx."""
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from harness import (REGION, ROLE, StratusServer, StratusTestCase, _cli_env, aws_cli_executable,  # noqa: E402
                     handler_zip, logs_client, main, process_tier_available, raw_request, unique_name)

STREAM_RE = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")
DAY_MS = 24 * 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


def wait_for(fn, timeout=30.0, step=0.2):
    """fn() until it returns something truthy, at most `timeout` seconds (bounded loop)."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / step) + 1):
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            break
        time.sleep(step)
    return fn()


LOGGING_FN = """
exports.handler = async (event, context) => {
  console.log('hello ' + event.k);
  console.error('oops ' + event.k);
  return { stream: context.logStreamName, group: context.logGroupName };
};
"""


class FunctionLogsTest(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = logs_client(cls.server.endpoint)

    def events_of(self, group, request_id=None, timeout=30.0):
        def look():
            try:
                evs = self.logs.filter_log_events(logGroupName=group)["events"]
            except ClientError:
                return None
            if request_id and not any(e["message"].startswith("REPORT RequestId: " + request_id) for e in evs):
                return None
            return evs
        return wait_for(look, timeout) or []

    def test_sync_invoke_lines_land_in_the_group_and_stream_lambda_names(self):
        name, _, _ = self.create_function(source=LOGGING_FN)
        r = self.invoke(name, {"k": "sync1"})
        out = r.json()
        self.assertEqual(out["group"], "/aws/lambda/" + name)
        self.assertRegex(out["stream"], STREAM_RE)
        request_id = r.raw["ResponseMetadata"]["RequestId"]
        evs = self.events_of("/aws/lambda/" + name, request_id)
        mine = [e for e in evs if e["logStreamName"] == out["stream"]]
        messages = [e["message"] for e in mine]
        self.assertTrue(any(m.startswith("START RequestId: " + request_id + " Version: $LATEST") for m in messages), messages)
        hello = [m for m in messages if "hello sync1" in m]
        self.assertEqual(len(hello), 1, messages)
        self.assertTrue(any("oops sync1" in m for m in messages), messages)
        kinds = [m.split(" ")[0] for m in messages if m.split(" ")[0] in ("START", "END", "REPORT")]
        self.assertEqual(kinds[-3:], ["START", "END", "REPORT"], messages)
        self.assertTrue(all(m.endswith("\n") for m in messages))
        # The console line's own timestamp is the event's.
        line = hello[0]
        stamp = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z", line)
        ev = next(e for e in mine if e["message"] == line)
        if stamp:
            import datetime
            t = datetime.datetime.strptime(stamp.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
            self.assertEqual(ev["timestamp"], int(t.timestamp() * 1000))
        times = [e["timestamp"] for e in mine]
        self.assertEqual(times, sorted(times))
        streams = self.logs.describe_log_streams(logGroupName="/aws/lambda/" + name)["logStreams"]
        self.assertIn(out["stream"], [s["logStreamName"] for s in streams])
        # A second (warm) invoke goes to the same environment's stream, after the first.
        r2 = self.invoke(name, {"k": "sync2"})
        self.assertEqual(r2.json()["stream"], out["stream"])
        rid2 = r2.raw["ResponseMetadata"]["RequestId"]
        got = self.logs.get_log_events(logGroupName="/aws/lambda/" + name, logStreamName=out["stream"],
                                       startFromHead=True)["events"]
        msgs = [e["message"] for e in got]
        first = next(i for i, m in enumerate(msgs) if "hello sync1" in m)
        second = next(i for i, m in enumerate(msgs) if "hello sync2" in m)
        self.assertLess(first, second)
        self.assertTrue(any(m.startswith("REPORT RequestId: " + rid2) for m in msgs))

    def test_cold_start_lines_include_init_start_and_init_duration(self):
        name, _, _ = self.create_function(source=LOGGING_FN)
        r = self.invoke(name, {"k": "cold"})
        rid = r.raw["ResponseMetadata"]["RequestId"]
        evs = self.events_of("/aws/lambda/" + name, rid)
        msgs = [e["message"] for e in evs]
        self.assertTrue(any(m.startswith("INIT_START Runtime Version:") for m in msgs), msgs)
        report = next(m for m in msgs if m.startswith("REPORT RequestId: " + rid))
        self.assertIn("Init Duration:", report)

    def test_event_invoke_lines_are_kept(self):
        name, _, _ = self.create_function(source=LOGGING_FN)
        resp = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"k": "async1"}))
        self.assertEqual(resp["StatusCode"], 202)
        rid = resp["ResponseMetadata"]["RequestId"]

        def seen():
            try:
                evs = self.logs.filter_log_events(logGroupName="/aws/lambda/" + name, filterPattern='"hello async1"')["events"]
            except ClientError:
                return None
            return evs
        evs = wait_for(seen, 30)
        self.assertTrue(evs, self.server.log_tail())
        self.assertRegex(evs[0]["logStreamName"], STREAM_RE)
        self.assertIn("\tINFO\t", evs[0]["message"])
        del rid

    def test_aws_logs_tail_follow_shows_an_event_invocation(self):
        exe = aws_cli_executable()
        if not exe:
            self.skipTest("AWS CLI not installed")
        name, _, _ = self.create_function(source=LOGGING_FN)
        self.invoke(name, {"k": "before-tail"})  # the group exists before tail starts
        group = "/aws/lambda/" + name
        proc = subprocess.Popen([exe, "--endpoint-url", self.server.endpoint, "logs", "tail", group, "--follow",
                                 "--format", "short"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=_cli_env())
        lines, done = [], threading.Event()

        def reader():
            for raw in proc.stdout:
                lines.append(raw.decode("utf-8", "replace"))
                if "hello tailed" in lines[-1]:
                    done.set()
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            time.sleep(1.0)  # tail's first poll; it polls every 5 s after that
            self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"k": "tailed"}))
            done.wait(40)
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        t.join(10)
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stdout.close()
        proc.stderr.close()
        self.assertTrue(done.is_set(), "tail printed: %r\nstderr: %s" % (lines, err[-2000:]))
        self.assertTrue(any("before-tail" in line for line in lines), lines)
        self.assertTrue(any("START RequestId:" in line for line in lines), lines)

    def test_a_function_calls_cloudwatch_logs_through_its_endpoint(self):
        if not process_tier_available(self.server):
            self.skipTest("the process tier is not available here (see the server's start-up warning)")
        group = "/fn/own-" + unique_name("g")
        source = """
const { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand,
        DescribeLogGroupsCommand } = require('@aws-sdk/client-cloudwatch-logs');
const logs = new CloudWatchLogsClient({});
exports.handler = async (event) => {
  await logs.send(new CreateLogGroupCommand({ logGroupName: event.group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: event.group, logStreamName: 'mine' }));
  await logs.send(new PutLogEventsCommand({ logGroupName: event.group, logStreamName: 'mine',
    logEvents: [{ timestamp: Date.now(), message: 'from the function' }] }));
  const d = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: event.group }));
  return { endpoint: process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, groups: d.logGroups.map((g) => g.logGroupName) };
};
"""
        name, _, _ = self.create_function(source=source, Timeout=30,
                                          Environment={"Variables": {"STRATUS_TIER": "process"}})
        r = self.invoke(name, {"group": group})
        self.assertIsNone(r.function_error, r)
        out = r.json()
        self.assertEqual(out["endpoint"], self.server.endpoint)
        self.assertEqual(out["groups"], [group])
        got = self.logs.get_log_events(logGroupName=group, logStreamName="mine")["events"]
        self.assertEqual([e["message"] for e in got], ["from the function"])


class LoggingConfigTest(StratusTestCase):
    """LoggingConfig as Lambda applies it: JSON format and the application log level reach the
    runtime (AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL), the platform's lines become JSON
    records kept down to SystemLogLevel, and LogGroup moves the function's lines."""

    SOURCE = """
exports.handler = async (event, context) => {
  console.debug('debug line');
  console.info('info line');
  console.warn('warn line');
  return { group: context.logGroupName, format: process.env.AWS_LAMBDA_LOG_FORMAT || null,
           level: process.env.AWS_LAMBDA_LOG_LEVEL || null };
};
"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = logs_client(cls.server.endpoint)

    def messages(self, group, request_id):
        def look():
            try:
                evs = self.logs.filter_log_events(logGroupName=group)["events"]
            except ClientError:
                return None
            msgs = [e["message"] for e in evs]
            return msgs if any(request_id in m and ("platform.report" in m or m.startswith("REPORT")) for m in msgs) else None
        return wait_for(look, 30) or []

    def test_configuration_shows_what_was_set(self):
        name, _, made = self.create_function(source=self.SOURCE)
        self.assertEqual(made["LoggingConfig"], {"LogFormat": "Text", "LogGroup": "/aws/lambda/" + name})
        up = self.lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "JSON"})
        self.assertEqual(up["LoggingConfig"], {"LogFormat": "JSON", "ApplicationLogLevel": "INFO",
                                               "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/" + name})
        self.lam.update_function_configuration(FunctionName=name, LoggingConfig={"ApplicationLogLevel": "WARN"})
        got = self.lam.get_function_configuration(FunctionName=name)["LoggingConfig"]
        self.assertEqual((got["LogFormat"], got["ApplicationLogLevel"]), ("JSON", "WARN"))
        back = self.lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})
        self.assertEqual(back["LoggingConfig"], {"LogFormat": "Text", "LogGroup": "/aws/lambda/" + name})
        with self.assertRaises(ClientError) as cm:
            self.lam.update_function_configuration(FunctionName=name, LoggingConfig={"ApplicationLogLevel": "DEBUG"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterValueException")
        with self.assertRaises(ClientError) as cm:
            self.lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "XML"})
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_json_format_levels_and_system_records(self):
        if not process_tier_available(self.server):
            self.skipTest("the process tier is not available here (see the server's start-up warning)")
        name, _, _ = self.create_function(source=self.SOURCE, LoggingConfig={
            "LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO"})
        r = self.invoke(name, {})
        out = r.json()
        self.assertEqual((out["format"], out["level"]), ("JSON", "WARN"))
        rid = r.raw["ResponseMetadata"]["RequestId"]
        msgs = self.messages("/aws/lambda/" + name, rid)
        records = [json.loads(m) for m in msgs]
        app = [x for x in records if "level" in x]
        self.assertEqual([(x["level"], x["message"]) for x in app], [("WARN", "warn line")])
        self.assertEqual(app[0]["requestId"], rid)
        types = [x.get("type") for x in records if "type" in x]
        self.assertIn("platform.start", types)
        self.assertIn("platform.report", types)
        self.assertIn("platform.initStart", types)
        report = next(x for x in records if x.get("type") == "platform.report")
        self.assertEqual(report["record"]["requestId"], rid)
        self.assertEqual(report["record"]["status"], "success")
        self.assertGreater(report["record"]["metrics"]["durationMs"], 0)
        self.assertFalse(any(m.startswith("END RequestId") for m in msgs), msgs)
        # JSON patterns now match the function's own lines.
        hits = self.logs.filter_log_events(logGroupName="/aws/lambda/" + name, filterPattern='{ $.level = "WARN" }')
        self.assertEqual([json.loads(e["message"])["message"] for e in hits["events"]], ["warn line"])

    def test_system_log_level_warn_drops_the_platform_records_of_successes(self):
        if not process_tier_available(self.server):
            self.skipTest("the process tier is not available here (see the server's start-up warning)")
        name, _, _ = self.create_function(source=self.SOURCE, LoggingConfig={
            "LogFormat": "JSON", "SystemLogLevel": "WARN"})
        r = self.invoke(name, {})
        rid = r.raw["ResponseMetadata"]["RequestId"]

        def app_lines():
            try:
                evs = self.logs.filter_log_events(logGroupName="/aws/lambda/" + name)["events"]
            except ClientError:
                return None
            recs = [json.loads(e["message"]) for e in evs]
            return recs if any(x.get("message") == "warn line" for x in recs) else None
        recs = wait_for(app_lines, 30) or []
        self.assertTrue(recs)
        self.assertEqual([x for x in recs if "type" in x], [])
        self.assertEqual([x["message"] for x in recs if "level" in x], ["info line", "warn line"])  # INFO default
        del rid

    def test_log_group_moves_the_lines(self):
        group = "/custom/" + unique_name("grp")
        name, _, _ = self.create_function(source=self.SOURCE, LoggingConfig={"LogFormat": "Text", "LogGroup": group})
        r = self.invoke(name, {})
        self.assertEqual(r.json()["group"], group)
        rid = r.raw["ResponseMetadata"]["RequestId"]
        msgs = self.messages(group, rid)
        self.assertTrue(any(m.startswith("START RequestId: " + rid) for m in msgs), msgs)
        with self.assertRaises(ClientError):
            self.logs.describe_log_streams(logGroupName="/aws/lambda/" + name)


class LogsApiTest(unittest.TestCase):
    """The API over events put with PutLogEvents (known timestamps and messages)."""

    @classmethod
    def setUpClass(cls):
        cls.server = StratusServer(extra_args=["--logs-sweep-ms", "200"])
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()
        cls.logs = logs_client(cls.server.endpoint)

    def group_with(self, streams):
        """A new group; `streams`: {name: [(timestamp, message), ...]}."""
        g = "/test/" + unique_name("g")
        self.logs.create_log_group(logGroupName=g)
        for s, events in streams.items():
            self.logs.create_log_stream(logGroupName=g, logStreamName=s)
            if events:
                self.logs.put_log_events(logGroupName=g, logStreamName=s,
                                         logEvents=[{"timestamp": t, "message": m} for t, m in events])
        return g

    def filtered(self, group, pattern, **kw):
        return [e["message"] for e in self.logs.filter_log_events(logGroupName=group, filterPattern=pattern, **kw)["events"]]

    def test_groups_create_describe_delete(self):
        g = "/test/" + unique_name("cd")
        self.logs.create_log_group(logGroupName=g)
        with self.assertRaises(ClientError) as cm:
            self.logs.create_log_group(logGroupName=g)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceAlreadyExistsException")
        d = self.logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"]
        self.assertEqual([x["logGroupName"] for x in d], [g])
        self.assertEqual(d[0]["arn"], "arn:aws:logs:%s:000000000000:log-group:%s:*" % (REGION, g))
        self.assertEqual(d[0]["logGroupArn"], "arn:aws:logs:%s:000000000000:log-group:%s" % (REGION, g))
        self.logs.delete_log_group(logGroupName=g)
        with self.assertRaises(ClientError) as cm:
            self.logs.delete_log_group(logGroupName=g)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_describe_log_groups_pages(self):
        prefix = "/test/" + unique_name("page") + "/"
        for i in range(5):
            self.logs.create_log_group(logGroupName=prefix + str(i))
        names, token = [], None
        for _ in range(10):
            kw = {"logGroupNamePrefix": prefix, "limit": 2}
            if token:
                kw["nextToken"] = token
            page = self.logs.describe_log_groups(**kw)
            self.assertLessEqual(len(page["logGroups"]), 2)
            names += [x["logGroupName"] for x in page["logGroups"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(names, [prefix + str(i) for i in range(5)])

    def test_describe_log_streams_order_and_pages(self):
        t = now_ms()
        g = self.group_with({"b": [(t - 3000, "b1")], "a": [(t - 1000, "a1")], "c": [(t - 2000, "c1")], "d": []})
        by_name = [s["logStreamName"] for s in self.logs.describe_log_streams(logGroupName=g)["logStreams"]]
        self.assertEqual(by_name, ["a", "b", "c", "d"])
        desc = self.logs.describe_log_streams(logGroupName=g, orderBy="LastEventTime", descending=True)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in desc][:3], ["a", "c", "b"])
        a = desc[0]
        self.assertEqual((a["firstEventTimestamp"], a["lastEventTimestamp"]), (t - 1000, t - 1000))
        names, token = [], None
        for _ in range(10):
            kw = {"logGroupName": g, "limit": 1}
            if token:
                kw["nextToken"] = token
            page = self.logs.describe_log_streams(**kw)
            names += [s["logStreamName"] for s in page["logStreams"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(names, ["a", "b", "c", "d"])
        self.assertEqual([s["logStreamName"] for s in self.logs.describe_log_streams(
            logGroupName=g, logStreamNamePrefix="c")["logStreams"]], ["c"])
        with self.assertRaises(ClientError) as cm:
            self.logs.describe_log_streams(logGroupName=g, orderBy="LastEventTime", logStreamNamePrefix="a")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterException")

    def test_get_log_events_tokens(self):
        t = now_ms() - 10000
        g = self.group_with({"s": [(t + i, "m%d" % i) for i in range(5)]})
        head = self.logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True, limit=2)
        self.assertEqual([e["message"] for e in head["events"]], ["m0", "m1"])
        page2 = self.logs.get_log_events(logGroupName=g, logStreamName="s", nextToken=head["nextForwardToken"], limit=2)
        self.assertEqual([e["message"] for e in page2["events"]], ["m2", "m3"])
        page3 = self.logs.get_log_events(logGroupName=g, logStreamName="s", nextToken=page2["nextForwardToken"], limit=2)
        self.assertEqual([e["message"] for e in page3["events"]], ["m4"])
        end = self.logs.get_log_events(logGroupName=g, logStreamName="s", nextToken=page3["nextForwardToken"], limit=2)
        self.assertEqual(end["events"], [])
        self.assertEqual(end["nextForwardToken"], page3["nextForwardToken"])  # the same token at the end
        back = self.logs.get_log_events(logGroupName=g, logStreamName="s", nextToken=page3["nextBackwardToken"], limit=2)
        self.assertEqual([e["message"] for e in back["events"]], ["m2", "m3"])
        tail = self.logs.get_log_events(logGroupName=g, logStreamName="s", limit=2)  # newest first page
        self.assertEqual([e["message"] for e in tail["events"]], ["m3", "m4"])
        ranged = self.logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True,
                                          startTime=t + 1, endTime=t + 3)
        self.assertEqual([e["message"] for e in ranged["events"]], ["m1", "m2"])
        for e in head["events"]:
            self.assertIn("ingestionTime", e)
        with self.assertRaises(ClientError) as cm:
            self.logs.get_log_events(logGroupName=g, logStreamName="nope")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")

    def test_filter_terms_phrases_optional_and_exclusions(self):
        t = now_ms() - 5000
        g = self.group_with({"s1": [(t, "ERROR disk full"), (t + 2, "WARN disk slow"), (t + 4, "INFO all good")],
                             "s2": [(t + 1, "ERROR will retry"), (t + 3, "Task timed out after 3.00 seconds")]})
        self.assertEqual(self.filtered(g, "ERROR"), ["ERROR disk full", "ERROR will retry"])
        self.assertEqual(self.filtered(g, "ERROR disk"), ["ERROR disk full"])
        self.assertEqual(self.filtered(g, '"timed out"'), ["Task timed out after 3.00 seconds"])
        self.assertEqual(self.filtered(g, "?WARN ?INFO"), ["WARN disk slow", "INFO all good"])
        self.assertEqual(self.filtered(g, "ERROR -retry"), ["ERROR disk full"])
        self.assertEqual(self.filtered(g, "error"), [])  # case-sensitive
        # Interleaved in time order across streams; stream names and prefixes narrow it.
        self.assertEqual(self.filtered(g, "", logStreamNames=["s2"]), ["ERROR will retry", "Task timed out after 3.00 seconds"])
        self.assertEqual(len(self.filtered(g, "", logStreamNamePrefix="s")), 5)
        self.assertEqual(self.filtered(g, "", startTime=t + 1, endTime=t + 3), ["ERROR will retry", "WARN disk slow"])
        evs = self.logs.filter_log_events(logGroupName=g)["events"]
        self.assertEqual([e["logStreamName"] for e in evs], ["s1", "s2", "s1", "s2", "s1"])
        self.assertEqual(len({e["eventId"] for e in evs}), 5)

    def test_filter_json_patterns(self):
        t = now_ms() - 5000
        docs = [{"level": "ERROR", "n": 9, "user": {"id": "u1"}}, {"level": "INFO", "n": 2},
                {"level": "ERROR", "n": 1}, {"level": "WARN", "n": 7, "tags": ["x", "y"]}]
        g = self.group_with({"s": [(t + i, json.dumps(d)) for i, d in enumerate(docs)] + [(t + 9, "not json")]})

        def ns(pattern):
            return [json.loads(m)["n"] for m in self.filtered(g, pattern)]
        self.assertEqual(ns('{ $.level = "ERROR" }'), [9, 1])
        self.assertEqual(ns("{ $.n > 5 }"), [9, 7])
        self.assertEqual(ns('{ $.level = "ERROR" && $.n > 5 }'), [9])
        self.assertEqual(ns('{ $.level = "INFO" || $.level = "WARN" }'), [2, 7])
        self.assertEqual(ns('{ $.level = "ERR*" }'), [9, 1])
        self.assertEqual(ns('{ $.user.id = "u1" }'), [9])
        self.assertEqual(ns('{ $.tags[1] = "y" }'), [7])
        self.assertEqual(ns("{ $.user NOT EXISTS }"), [2, 1, 7])

    def test_filter_space_delimited_patterns(self):
        t = now_ms() - 5000
        lines = ['127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 200 1534',
                 '10.0.0.2 - bob [10/Oct/2000:13:25:16 -0700] "GET /missing HTTP/1.0" 404 12',
                 '10.0.0.3 - eve [10/Oct/2000:13:25:17 -0700] "POST /api HTTP/1.0" 503 77']
        g = self.group_with({"s": [(t + i, line) for i, line in enumerate(lines)]})
        self.assertEqual(self.filtered(g, "[ip, id, user, timestamp, request, status = 5*, bytes]"), [lines[2]])
        self.assertEqual(self.filtered(g, "[..., status = 4* || status = 5*, bytes]"), lines[1:])
        self.assertEqual(self.filtered(g, "[ip, id, user = frank, ...]"), [lines[0]])
        self.assertEqual(self.filtered(g, "[..., bytes > 1000]"), [lines[0]])

    def test_filter_pages_with_next_token(self):
        t = now_ms() - 10000
        g = self.group_with({"s": [(t + i, "line %d" % i) for i in range(7)]})
        got, token = [], None
        for _ in range(10):
            kw = {"logGroupName": g, "limit": 3}
            if token:
                kw["nextToken"] = token
            page = self.logs.filter_log_events(**kw)
            got += [e["message"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(got, ["line %d" % i for i in range(7)])
        # boto3's paginator follows the same tokens.
        pages = self.logs.get_paginator("filter_log_events").paginate(logGroupName=g, PaginationConfig={"PageSize": 2})
        self.assertEqual([e["message"] for p in pages for e in p["events"]], got)

    def test_invalid_filter_pattern_is_a_400(self):
        g = self.group_with({"s": []})
        with self.assertRaises(ClientError) as cm:
            self.logs.filter_log_events(logGroupName=g, filterPattern='{ $.level = "x" ')
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_retention_policy_is_enforced_by_the_sweep(self):
        t = now_ms()
        g = self.group_with({"old": [(t - 2 * DAY_MS, "two days old")], "new": [(t - 1000, "fresh")]})
        with self.assertRaises(ClientError) as cm:
            self.logs.put_retention_policy(logGroupName=g, retentionInDays=2)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterException")
        self.logs.put_retention_policy(logGroupName=g, retentionInDays=1)
        d = self.logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]
        self.assertEqual(d["retentionInDays"], 1)
        gone = wait_for(lambda: self.filtered(g, "") == ["fresh"], 20)
        self.assertTrue(gone, self.filtered(g, ""))
        streams = [s["logStreamName"] for s in self.logs.describe_log_streams(logGroupName=g)["logStreams"]]
        self.assertEqual(streams, ["new"])  # a stream left empty by retention goes too
        self.logs.delete_retention_policy(logGroupName=g)
        self.assertNotIn("retentionInDays", self.logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0])

    def test_put_log_events_rejects_too_old_events(self):
        g = self.group_with({"s": []})
        r = self.logs.put_log_events(logGroupName=g, logStreamName="s",
                                     logEvents=[{"timestamp": now_ms() - 20 * DAY_MS, "message": "ancient"},
                                                {"timestamp": now_ms() - 20 * DAY_MS + 1, "message": "ancient2"}])
        self.assertEqual(r["rejectedLogEventsInfo"]["tooOldLogEventEndIndex"], 2)
        self.assertEqual(self.filtered(g, ""), [])

    def test_wrong_types_and_malformed_bodies_are_400s(self):
        shapes, cases = MODEL["shapes"], 0
        group = self.group_with({"s": []})
        for op in SERVED:
            inp = shapes[MODEL["operations"][op]["input"]["shape"]]
            for member, ref in inp.get("members", {}).items():
                kind = shapes[ref["shape"]]["type"]
                for wrong in WRONG.get(kind, []):
                    body = dict(valid(op, group))
                    body[member] = wrong
                    r = post(self.server.port, op, json.dumps(body).encode())
                    cases += 1
                    self.assertEqual(r.status, 400, (op, member, wrong, r.body[:300]))
                    self.assertIn("__type", r.json(), (op, member, wrong))
            for raw in (b"{", b"[]", b"\"x\"", b"{\"a\":" * 200 + b"1" + b"}" * 200, b"\xff\xfe"):
                r = post(self.server.port, op, raw)
                cases += 1
                self.assertEqual(r.status, 400, (op, raw[:20], r.body[:300]))
        self.assertGreater(cases, 150)
        r = post(self.server.port, "NoSuchOperation", b"{}")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["__type"], "UnknownOperationException")
        self.assertTrue(self.server.alive())
        self.logs.describe_log_groups(limit=1)


class LogsBoundsAndRestartTest(unittest.TestCase):
    def test_size_cap_drops_the_oldest_streams_and_a_restart_keeps_the_rest(self):
        server = StratusServer(extra_args=["--logs-group-max-kb", "8"])
        self.addCleanup(server.cleanup)
        server.start()
        logs = logs_client(server.endpoint)
        g = "/test/capped"
        logs.create_log_group(logGroupName=g)
        t = now_ms() - 60000
        for i in range(6):  # each stream ~3 KiB: the cap (8 KiB) holds two of them
            s = "s%d" % i
            logs.create_log_stream(logGroupName=g, logStreamName=s)
            logs.put_log_events(logGroupName=g, logStreamName=s,
                                logEvents=[{"timestamp": t + i * 10 + k, "message": ("%s-%d " % (s, k)) + "x" * 1000}
                                           for k in range(3)])
            time.sleep(0.01)  # distinct creation times
        streams = [x["logStreamName"] for x in logs.describe_log_streams(logGroupName=g)["logStreams"]]
        self.assertEqual(streams, ["s4", "s5"])
        stored = logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["storedBytes"]
        self.assertLessEqual(stored, 8 * 1024)
        before = logs.filter_log_events(logGroupName=g)["events"]
        server.restart(kill=True)  # SIGKILL: what was acknowledged is on disk
        logs = logs_client(server.endpoint)
        after = logs.filter_log_events(logGroupName=g)["events"]
        self.assertEqual([(e["message"], e["timestamp"], e["logStreamName"]) for e in after],
                         [(e["message"], e["timestamp"], e["logStreamName"]) for e in before])
        # Numbering goes on after the restart: new events sort after the old ones.
        logs.put_log_events(logGroupName=g, logStreamName="s5",
                            logEvents=[{"timestamp": t + 1000, "message": "after restart"}])
        got = logs.get_log_events(logGroupName=g, logStreamName="s5", startFromHead=True)["events"]
        self.assertEqual(got[-1]["message"], "after restart")

    def test_function_logs_survive_a_restart(self):
        server = StratusServer()
        self.addCleanup(server.cleanup)
        server.start()
        lam, logs = server.client(), logs_client(server.endpoint)
        name = unique_name("kept")
        lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": handler_zip(LOGGING_FN)})
        lam.invoke(FunctionName=name, Payload=json.dumps({"k": "keepme"}))
        group = "/aws/lambda/" + name

        def written():
            try:
                return [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
            except ClientError:
                return None
        msgs = wait_for(lambda: (written() or [None])[-1:] != [None] and any(m.startswith("REPORT") for m in written()), 10)
        self.assertTrue(msgs)
        before = written()
        time.sleep(0.5)  # record() writes behind: give the writer its commit
        server.restart()  # SIGTERM: the writer commits what is queued
        logs = logs_client(server.endpoint)
        self.assertEqual(written(), before)
        self.assertTrue(any("hello keepme" in m for m in before))


# ---- generated decoding cases (from botocore's logs model) --------------------------------

SERVED = ["CreateLogGroup", "DeleteLogGroup", "DescribeLogGroups", "DescribeLogStreams", "CreateLogStream",
          "DeleteLogStream", "PutLogEvents", "GetLogEvents", "FilterLogEvents", "PutRetentionPolicy",
          "DeleteRetentionPolicy"]

WRONG = {
    "string": [5, True, {}, [], 1.5],
    "integer": ["7", 1.5, True, {}, [], 1e99, 2 ** 40],
    "long": ["7", 1.5, True, {}, []],
    "boolean": ["true", 0, {}, []],
    "list": ["x", 5, {}],
    "map": ["x", 5, []],
    "structure": ["x", 5, []],
}


def _model():
    path = os.path.join(os.path.dirname(botocore.__file__), "data", "logs", "2014-03-28", "service-2.json.gz")
    with gzip.open(path, "rt") as f:
        return json.load(f)


MODEL = _model()


def valid(op, group):
    return {
        "CreateLogGroup": {"logGroupName": group + "-new"},
        "PutLogEvents": {"logGroupName": group, "logStreamName": "s", "logEvents": [{"timestamp": now_ms(), "message": "m"}]},
        "GetLogEvents": {"logGroupName": group, "logStreamName": "s"},
        "CreateLogStream": {"logGroupName": group, "logStreamName": "s2"},
        "DeleteLogStream": {"logGroupName": group, "logStreamName": "nope"},
        "PutRetentionPolicy": {"logGroupName": group, "retentionInDays": 1},
        "DescribeLogGroups": {},
    }.get(op, {"logGroupName": group})


def post(port, op, body):
    return raw_request(port, "POST", "/", body=body,
                       headers={"X-Amz-Target": "Logs_20140328." + op, "Content-Type": "application/x-amz-json-1.1"})


if __name__ == "__main__":
    main()
