#!/usr/bin/env python3
"""GET /metrics in the Prometheus text format, parsed by the Prometheus project's own parser
(prometheus_client): invocations by function, version, type and outcome (success, error,
timeout, throttled), durations and cold starts, concurrent executions while a call runs,
sandboxes by tier and state, memory against the budget, and SQS queue depths."""
import os
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import StratusTestCase, main, raw_request, sqs_client, unique_name  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # Debian's python3-prometheus-client, for an interpreter of another prefix
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

SOURCE = """
exports.handler = async (event) => {
  if (event.fail) throw new Error('failing on purpose');
  if (event.sleep_ms) await new Promise((r) => setTimeout(r, event.sleep_ms));
  return { ok: true };
};
"""


class MetricsTest(StratusTestCase):

    def scrape(self):
        r = raw_request(self.server.port, "GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("content-type").startswith("text/plain; version=0.0.4"), r.header("content-type"))
        samples = {}
        for family in text_string_to_metric_families(r.body.decode()):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return samples

    def value(self, samples, name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))), 0)

    def test_invocations_by_outcome_durations_and_cold_starts(self):
        name, _, _ = self.create_function(source=SOURCE, Timeout=1)
        self.invoke_ok(name, {})
        self.invoke_ok(name, {})
        self.assertEqual(self.invoke(name, {"fail": True}).function_error, "Unhandled")
        self.assertEqual(self.invoke(name, {"sleep_ms": 3000}).function_error, "Unhandled")
        self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        throttled, _, _ = self.create_function(source=SOURCE)
        self.lam.put_function_concurrency(FunctionName=throttled, ReservedConcurrentExecutions=0)
        with self.assertRaises(Exception):
            self.lam.invoke(FunctionName=throttled, Payload=b"{}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            s = self.scrape()
            if self.value(s, "stratus_invocations_total", function=name, version="$LATEST", type="Event",
                          outcome="success"):
                break
            time.sleep(0.1)
        sync = dict(function=name, version="$LATEST", type="RequestResponse")
        self.assertEqual(self.value(s, "stratus_invocations_total", outcome="success", **sync), 2)
        self.assertEqual(self.value(s, "stratus_invocations_total", outcome="error", **sync), 1)
        self.assertEqual(self.value(s, "stratus_invocations_total", outcome="timeout", **sync), 1)
        self.assertEqual(self.value(s, "stratus_invocations_total", function=name, version="$LATEST", type="Event",
                                    outcome="success"), 1)
        self.assertEqual(self.value(s, "stratus_invocations_total", function=throttled, version="$LATEST",
                                    type="RequestResponse", outcome="throttled"), 1)
        self.assertEqual(self.value(s, "stratus_invocation_duration_seconds_count", function=name), 5)
        self.assertGreaterEqual(self.value(s, "stratus_async_events_total", outcome="accepted"), 1)
        self.assertGreaterEqual(self.value(s, "stratus_async_events_total", outcome="succeeded"), 1)
        self.assertEqual(self.value(s, "stratus_async_events", state="in_flight"), 0)
        # The timed-out call alone lasted about a second.
        self.assertGreater(self.value(s, "stratus_invocation_duration_seconds_sum", function=name), 0.9)
        self.assertEqual(self.value(s, "stratus_invocation_duration_seconds_bucket", function=name, le="+Inf"), 5)
        # The timeout killed the first environment: the next call was a second cold start.
        self.assertEqual(self.value(s, "stratus_cold_starts_total", function=name, tier="process"), 2)
        self.assertEqual(self.value(s, "stratus_init_duration_seconds_count", function=name), 2)

    def test_gauges_of_the_moment(self):
        name, _, _ = self.create_function(source=SOURCE, Timeout=10)
        self.invoke_ok(name, {})
        done = threading.Event()
        threading.Thread(target=lambda: (self.invoke(name, {"sleep_ms": 1500}), done.set()), daemon=True).start()
        deadline = time.monotonic() + 10
        busy = 0
        while time.monotonic() < deadline and not done.is_set():
            s = self.scrape()
            busy = self.value(s, "stratus_concurrent_executions", function=name)
            if busy:
                break
            time.sleep(0.05)
        self.assertEqual(busy, 1)
        self.assertGreaterEqual(self.value(s, "stratus_account_concurrent_executions"), 1)
        self.assertGreaterEqual(self.value(s, "stratus_sandboxes", tier="process", state="busy"), 1)
        self.assertTrue(done.wait(15))
        s = self.scrape()
        self.assertEqual(self.value(s, "stratus_concurrent_executions", function=name), 0)
        self.assertGreaterEqual(self.value(s, "stratus_sandboxes", tier="process", state="idle"), 1)
        used, budget = (self.value(s, "stratus_memory_bytes", kind=k) for k in ("used", "budget"))
        self.assertGreater(budget, 0)
        self.assertGreater(used, 0)
        self.assertLessEqual(used, budget)

    def test_queue_depths(self):
        sqs = sqs_client(self.server.endpoint)
        queue = unique_name("metrics")
        url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        for i in range(3):
            sqs.send_message(QueueUrl=url, MessageBody=str(i))
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
        s = self.scrape()
        self.assertEqual(self.value(s, "stratus_sqs_messages", queue=queue, state="visible"), 2)
        self.assertEqual(self.value(s, "stratus_sqs_messages", queue=queue, state="in_flight"), 1)
        self.assertEqual(self.value(s, "stratus_sqs_messages", queue=queue, state="delayed"), 1)


if __name__ == "__main__":
    main()
