#!/usr/bin/env python3
"""Event source mapping benchmark (issue 12): one server, one warm node function.

  latency     SendMessage -> handler start through a mapping (p50, p99), beside the same
              measure for a direct Invoke (client send -> handler start), both on this host's
              clock, one message at a time.
  throughput  a backlog of N messages drained through a no-op handler at BatchSize 10 and 100
              (messages/s from enable until the queue is empty), beside direct sync invokes/s
              of the same handler from 4 client threads.

Every figure is printed beside its baseline from the same run, as a ratio. Usage:
  STRATUS_BIN=build/stratus python3 bench/esm_bench.py [--messages 10000] [--samples 50]
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))

from harness import ROLE, StratusServer, handler_zip, process_tier_available  # noqa: E402
from test_esm import sqs_client  # noqa: E402

# The sink (when set) gets {delay}: handler start minus the send time carried in the body.
HANDLER = r"""
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const started = Date.now();
  if (event.sent) return { delay: started - event.sent };
  if (process.env.SINK && event.Records) {
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.SINK,
      MessageBody: JSON.stringify({ delay: started - Number(event.Records[0].body) }) }));
  }
  return {};
};
"""


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def wait_until(fn, timeout, what):
    deadline = time.monotonic() + timeout
    for _ in range(1000000):
        if fn():
            return
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for " + what)
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--samples", type=int, default=50)
    args = ap.parse_args()
    server = StratusServer()
    server.start()
    try:
        if not process_tier_available(server):
            raise SystemExit("the process tier is not available here")
        lam, sqs = server.client(), sqs_client(server.endpoint)
        sink = sqs.create_queue(QueueName="bench-sink")["QueueUrl"]
        lam.create_function(FunctionName="lat", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": handler_zip(HANDLER)}, Timeout=10,
                            Environment={"Variables": {"SINK": sink}})
        lam.create_function(FunctionName="noop", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": handler_zip(HANDLER)}, Timeout=10)

        # -- latency ----------------------------------------------------------------------------
        direct = []
        for i in range(args.samples + 3):
            r = lam.invoke(FunctionName="lat", Payload=json.dumps({"sent": int(time.time() * 1000)}))
            if i >= 3:  # warm
                direct.append(json.loads(r["Payload"].read())["delay"])
        q = sqs.create_queue(QueueName="bench-lat")["QueueUrl"]
        lam.create_event_source_mapping(FunctionName="lat",
                                        EventSourceArn="arn:aws:sqs:us-east-1:000000000000:bench-lat", BatchSize=1)
        mapped = []
        for i in range(args.samples + 3):
            sqs.send_message(QueueUrl=q, MessageBody=str(int(time.time() * 1000)))
            got = []
            wait_until(lambda: got.extend(sqs.receive_message(QueueUrl=sink, WaitTimeSeconds=1).get("Messages", []))
                       or got, 30, "a latency sample")
            sqs.delete_message(QueueUrl=sink, ReceiptHandle=got[0]["ReceiptHandle"])
            if i >= 3:
                mapped.append(json.loads(got[0]["Body"])["delay"])

        # -- throughput -------------------------------------------------------------------------
        done, stop = [0], threading.Event()

        def invoker():
            client = server.client()
            while not stop.is_set():
                client.invoke(FunctionName="noop", Payload=b"{}")
                done[0] += 1

        threads = [threading.Thread(target=invoker) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1)
        start_count, t0 = done[0], time.monotonic()
        time.sleep(5)
        invokes_per_s = (done[0] - start_count) / (time.monotonic() - t0)
        stop.set()
        for t in threads:
            t.join()

        rates = {}
        for batch in (10, 100):
            name = "bench-tp-%d" % batch
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            for i in range(args.messages // 10):
                sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": "x"} for j in range(10)])
            extra = {"MaximumBatchingWindowInSeconds": 1} if batch > 10 else {}
            m = lam.create_event_source_mapping(FunctionName="noop", Enabled=False, BatchSize=batch,
                                                EventSourceArn="arn:aws:sqs:us-east-1:000000000000:" + name, **extra)
            t0 = time.monotonic()
            lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)

            def empty():
                a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                return a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0"
            wait_until(empty, 600, "the backlog to drain")
            rates[batch] = args.messages / (time.monotonic() - t0)
            lam.delete_event_source_mapping(UUID=m["UUID"])

        print("esm_bench (one run; ratios against baselines of the same run)")
        print("  send->handler start  mapping p50 %5.1f ms  p99 %5.1f ms | direct invoke p50 %5.1f ms  p99 %5.1f ms"
              " | ratio p50 %.2fx" % (statistics.median(mapped), pct(mapped, 99), statistics.median(direct),
                                      pct(direct, 99), statistics.median(mapped) / max(0.5, statistics.median(direct))))
        for batch, rate in rates.items():
            print("  drain %d messages at BatchSize %3d: %8.0f messages/s | direct sync invokes (4 clients) %6.0f/s"
                  " | ratio %.1fx" % (args.messages, batch, rate, invokes_per_s, rate / invokes_per_s))
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
