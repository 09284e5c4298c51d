#!/usr/bin/env python3
"""Concurrency: reserved concurrency (Put/Get/DeleteFunctionConcurrency, the unreserved floor,
GetAccountSettings), provisioned concurrency on versions and aliases (IN_PROGRESS then READY,
no Init Duration, limits), throttling (429 TooManyRequestsException with its Reason, through
boto3 and raw HTTP), parallel load, a small account (--account-concurrency 10), and quotas
surviving a restart (LAMBDA.md §2, §4, §12, §13)."""
import http.client
import json
import os
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ROLE, TIMESTAMP_RE, InvokeResult, StratusServer,  # noqa: E402
                     StratusTestCase, function_arn, main, make_zip, unique_name)

# Sleeps event.ms, then reports which version ran and how its environment was initialised.
SLEEPER = """
exports.handler = async (event, context) => {
  if (event && event.ms) await new Promise((r) => setTimeout(r, event.ms));
  return { tag: '%s', version: context.functionVersion,
           init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE };
};
"""

RESERVED_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_REASON = "ConcurrentInvocationLimitExceeded"
QUALIFIED_MSG = ("This operation is permitted on Lambda functions only. Aliases and versions do "
                 "not support this operation. Please specify either a function name or an "
                 "unqualified function ARN.")
READY_TIMEOUT_S = 20
READY_POLLS = 400
PARALLEL_TIMEOUT_S = 60


def code(tag="v1"):
    return make_zip({"index.js": SLEEPER % tag})


def invoke_path(name, qualifier=None):
    path = "/2015-03-31/functions/%s/invocations" % name
    return path + ("?Qualifier=%s" % qualifier if qualifier else "")


def run_parallel(fn, count, timeout=PARALLEL_TIMEOUT_S, prepare=None):
    """Runs fn(i, prepared_i) on `count` threads released together by a barrier (prepare(i)
    runs before the barrier, e.g. to open a connection). Returns the results; an exception
    is returned in its slot. Every thread is joined within `timeout`."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(i):
        try:
            prepared = prepare(i) if prepare else None
        except Exception as e:  # still meet the others at the barrier
            prepared = e
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError as e:
            results[i] = e
            return
        try:
            if isinstance(prepared, Exception):
                raise prepared
            results[i] = fn(i, prepared)
        except Exception as e:
            results[i] = e
        finally:
            if hasattr(prepared, "close"):
                prepared.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    alive = sum(t.is_alive() for t in threads)
    if alive:
        raise AssertionError("%d of %d threads still running after %.0f s" % (alive, count, timeout))
    return results


class Raw:
    """One keep-alive HTTP connection to the server (its own socket, its own thread)."""

    def __init__(self, port, timeout=PARALLEL_TIMEOUT_S):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.connect()

    def post(self, path, body=b"{}", headers=None):
        self.conn.request("POST", path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def close(self):
        self.conn.close()


class ConcurrencyAssertions:

    def assertThrottledRaw(self, status, headers, body, reason):
        self.assertEqual(status, 429, (status, headers, body))
        self.assertEqual(headers.get("x-amzn-errortype", "").split(":")[0],
                         "TooManyRequestsException", headers)
        self.assertTrue(headers.get("x-amzn-requestid"), headers)
        self.assertRegex(headers.get("retry-after", ""), r"^\d+$", headers)
        self.assertEqual(json.loads(body), {"Reason": reason, "Type": "User",
                                            "message": "Rate Exceeded."})

    def assertThrottledBoto(self, exc, reason):
        from botocore.exceptions import ClientError
        self.assertIsInstance(exc, ClientError, repr(exc))
        resp = exc.response
        self.assertEqual(resp["Error"]["Code"], "TooManyRequestsException", resp)
        self.assertEqual(resp["Error"]["Message"], "Rate Exceeded.", resp)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 429, resp)
        # Modeled members of TooManyRequestsException, parsed from the body and the header.
        self.assertEqual(resp.get("Reason"), reason, resp)
        self.assertEqual(resp.get("Type"), "User", resp)
        self.assertEqual(resp.get("message"), "Rate Exceeded.", resp)
        self.assertRegex(str(resp.get("retryAfterSeconds", "")), r"^\d+$", resp)

    def wait_ready(self, lam, name, qualifier, timeout=READY_TIMEOUT_S):
        """Polls GetProvisionedConcurrencyConfig until READY (bounded in count and time)."""
        deadline = time.monotonic() + timeout
        seen = []
        last = None
        for _ in range(READY_POLLS):
            last = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
            if not seen or seen[-1] != last["Status"]:
                seen.append(last["Status"])
            if last["Status"] != "IN_PROGRESS" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(last["Status"], "READY", "statuses seen: %s; last %r" % (seen, last))
        return last

    def assertNoInitDuration(self, r):
        m = r.report()
        self.assertIsNotNone(m, "no REPORT line: %r" % r.log)
        self.assertIsNone(m.group("init"), "provisioned invocation reported Init Duration: %r"
                          % r.log)
        self.assertNotIn("INIT_START", r.log)

    @staticmethod
    def account(lam):
        return lam.get_account_settings()["AccountLimit"]


# ------------------------------------------------------------------------------------------
# Reserved and provisioned concurrency, throttling, on the default (1000) account
# ------------------------------------------------------------------------------------------

class ReservedConcurrencyTest(ConcurrencyAssertions, StratusTestCase):

    def test_put_get_delete(self):
        name, _, _ = self.create_function(zip_bytes=code())
        g = self.lam.get_function_concurrency(FunctionName=name)
        self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertNotIn("ReservedConcurrentExecutions", g)  # {} when unset
        r = self.server.http("GET", "/2019-09-30/functions/%s/concurrency" % name)
        self.assertEqual((r.status, r.json()), (200, {}))
        self.assertNotIn("Concurrency", self.lam.get_function(FunctionName=name))
        self.assertEqual(self.account(self.lam)["ConcurrentExecutions"], 1000)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 1000)

        p = self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
        self.assertEqual(p["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(p["ReservedConcurrentExecutions"], 5)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name)
                         ["ReservedConcurrentExecutions"], 5)
        self.assertEqual(self.lam.get_function(FunctionName=name)["Concurrency"],
                         {"ReservedConcurrentExecutions": 5})
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 995)
        self.assertEqual(self.account(self.lam)["ConcurrentExecutions"], 1000)
        # Any name form.
        self.lam.put_function_concurrency(FunctionName=function_arn(name),
                                          ReservedConcurrentExecutions=7)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 993)
        # The function still runs with a reservation.
        self.assertEqual(self.invoke_ok(name, {})["tag"], "v1")

        d = self.lam.delete_function_concurrency(FunctionName=name)
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.lam.get_function_concurrency(FunctionName=name))
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 1000)
        # Deleting twice is fine.
        self.lam.delete_function_concurrency(FunctionName=name)

    def test_unreserved_floor(self):
        a, _, _ = self.create_function(zip_bytes=code())
        b, _, _ = self.create_function(zip_bytes=code())
        floor_msg = ("Specified ReservedConcurrentExecutions for function decreases account's "
                     "UnreservedConcurrentExecution below its minimum value of [100].")
        self.assertAwsError(
            lambda: self.lam.put_function_concurrency(FunctionName=a,
                                                      ReservedConcurrentExecutions=901),
            "InvalidParameterValueException", 400, message=floor_msg)
        self.lam.put_function_concurrency(FunctionName=a, ReservedConcurrentExecutions=900)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 100)
        self.assertAwsError(
            lambda: self.lam.put_function_concurrency(FunctionName=b,
                                                      ReservedConcurrentExecutions=1),
            "InvalidParameterValueException", 400, message=floor_msg)
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.lam.get_function_concurrency(FunctionName=b))
        # Changing the function's own reservation counts only the difference.
        self.lam.put_function_concurrency(FunctionName=a, ReservedConcurrentExecutions=850)
        self.lam.put_function_concurrency(FunctionName=b, ReservedConcurrentExecutions=50)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 100)
        # Deleting a function returns its reservation to the pool.
        self.lam.delete_function(FunctionName=a)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 950)
        self.lam.delete_function_concurrency(FunctionName=b)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 1000)

    def test_put_validation(self):
        name, _, _ = self.create_function(zip_bytes=code(), Publish=True)
        self.assertAwsError(
            lambda: self.lam_nv.put_function_concurrency(FunctionName=name,
                                                         ReservedConcurrentExecutions=-1),
            "ValidationException", 400)
        self.assertAwsError(
            lambda: self.lam_nv.put_function_concurrency(FunctionName=name),
            "ValidationException", 400)
        missing = unique_name("missing")
        for call in (lambda: self.lam.put_function_concurrency(FunctionName=missing,
                                                               ReservedConcurrentExecutions=1),
                     lambda: self.lam.get_function_concurrency(FunctionName=missing),
                     lambda: self.lam.delete_function_concurrency(FunctionName=missing)):
            self.assertAwsError(call, "ResourceNotFoundException", 404,
                                message="Function not found: " + function_arn(missing))
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.lam.get_function_concurrency(FunctionName=name))

    def test_put_on_qualified_name_refused(self):
        name, _, _ = self.create_function(zip_bytes=code(), Publish=True)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        for qualified in (name + ":1", function_arn(name, "live"), function_arn(name, "$LATEST")):
            self.assertAwsError(
                lambda: self.lam.put_function_concurrency(FunctionName=qualified,
                                                          ReservedConcurrentExecutions=3),
                "InvalidParameterValueException", 400, message=QUALIFIED_MSG)
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.lam.get_function_concurrency(FunctionName=name))
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 1000)

    def test_reserved_zero_throttles_everything(self):
        name, _, _ = self.create_function(zip_bytes=code(), Publish=True)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertEqual(self.invoke_ok(name, {})["tag"], "v1")  # warm sandbox exists
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name)
                         ["ReservedConcurrentExecutions"], 0)
        for kw in ({}, {"Qualifier": "1"}, {"Qualifier": "live"}, {"Qualifier": "$LATEST"}):
            for _ in range(3):
                with self.assertRaises(Exception) as cm:
                    self.lam.invoke(FunctionName=name, Payload=b"{}", **kw)
                self.assertThrottledBoto(cm.exception, RESERVED_REASON)
        r = self.server.http("POST", invoke_path(name), body=b"{}")
        self.assertThrottledRaw(r.status, r.headers, r.body, RESERVED_REASON)
        r = self.server.http("POST", invoke_path(name, "live"), body=b"{}")
        self.assertThrottledRaw(r.status, r.headers, r.body, RESERVED_REASON)
        # Event invocations are accepted; with reserved 0 they are not run (LAMBDA.md §9).
        r = self.server.http("POST", invoke_path(name), body=b"{}",
                             headers={"X-Amz-Invocation-Type": "Event"})
        self.assertEqual(r.status, 202, r)
        # Lifting the reservation lets it run again.
        self.lam.delete_function_concurrency(FunctionName=name)
        self.assertEqual(self.invoke_ok(name, {})["tag"], "v1")
        self.assertEqual(self.invoke_ok(name, {}, Qualifier="live")["version"], "1")

    def test_reserved_one_admits_exactly_one(self):
        name, _, _ = self.create_function(zip_bytes=code(), Timeout=10)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        clients = [self.server.client() for _ in range(5)]

        def call(i, _):
            r = InvokeResult(clients[i].invoke(FunctionName=name, Payload=b'{"ms": 1500}'))
            return r

        t0 = time.monotonic()
        results = run_parallel(call, 5)
        elapsed = time.monotonic() - t0
        ok = [r for r in results if isinstance(r, InvokeResult)]
        throttled = [r for r in results if not isinstance(r, InvokeResult)]
        self.assertEqual(len(ok), 1, results)
        self.assertEqual(len(throttled), 4, results)
        self.assertEqual(ok[0].status, 200, ok[0])
        self.assertIsNone(ok[0].function_error, ok[0])
        self.assertEqual(ok[0].json()["tag"], "v1")
        for e in throttled:
            self.assertThrottledBoto(e, RESERVED_REASON)
        self.assertGreaterEqual(elapsed, 1.4)
        # The unit is free again once the invocation answered.
        self.assertEqual(self.invoke_ok(name, {})["tag"], "v1")

    def test_throttled_invocations_do_not_leak_units(self):
        name, _, _ = self.create_function(zip_bytes=code(), Timeout=10)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
        for _ in range(3):
            results = run_parallel(
                lambda i, raw: raw.post(invoke_path(name), body=b'{"ms": 700}'), 4,
                prepare=lambda i: Raw(self.server.port))
            statuses = sorted(r[0] for r in results)
            self.assertEqual(statuses, [200, 200, 429, 429], results)
            for status, headers, body in results:
                if status == 429:
                    self.assertThrottledRaw(status, headers, body, RESERVED_REASON)
        for _ in range(5):
            self.assertEqual(self.invoke_ok(name, {})["tag"], "v1")

    # -- provisioned concurrency ------------------------------------------------------------

    def test_provisioned_on_version(self):
        name, _, _ = self.create_function(zip_bytes=code())
        self.lam.publish_version(FunctionName=name)
        p = self.lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1",
                                                        ProvisionedConcurrentExecutions=2)
        self.assertEqual(p["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(p["RequestedProvisionedConcurrentExecutions"], 2)
        self.assertEqual(p["AllocatedProvisionedConcurrentExecutions"], 0)
        self.assertEqual(p["AvailableProvisionedConcurrentExecutions"], 0)
        self.assertEqual(p["Status"], "IN_PROGRESS")
        self.assertRegex(p["LastModified"], TIMESTAMP_RE)
        g = self.wait_ready(self.lam, name, "1")
        self.assertEqual(g["RequestedProvisionedConcurrentExecutions"], 2)
        self.assertEqual(g["AllocatedProvisionedConcurrentExecutions"], 2)
        self.assertEqual(g["AvailableProvisionedConcurrentExecutions"], 2)
        self.assertEqual(g["LastModified"], p["LastModified"])
        self.assertNotIn("StatusReason", g)

        listed = self.lam.list_provisioned_concurrency_configs(FunctionName=name)
        self.assertEqual(len(listed["ProvisionedConcurrencyConfigs"]), 1)
        item = listed["ProvisionedConcurrencyConfigs"][0]
        self.assertEqual(item["FunctionArn"], function_arn(name, "1"))
        self.assertEqual(item["Status"], "READY")
        self.assertEqual(item["RequestedProvisionedConcurrentExecutions"], 2)

        # Invocations land on the pre-initialised environments: no Init Duration.
        for _ in range(4):
            r = self.invoke(name, {}, Qualifier="1")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.executed_version, "1")
            self.assertEqual(r.json()["init"], "provisioned-concurrency")
            self.assertNoInitDuration(r)
        # Two at once: both provisioned.
        clients = [self.server.client() for _ in range(2)]
        results = run_parallel(
            lambda i, _: InvokeResult(clients[i].invoke(FunctionName=name, Qualifier="1",
                                                        Payload=b'{"ms": 300}', LogType="Tail")),
            2)
        for r in results:
            self.assertIsInstance(r, InvokeResult, results)
            self.assertEqual(r.json()["init"], "provisioned-concurrency")
            self.assertNoInitDuration(r)
        # $LATEST is on demand: a cold start with Init Duration.
        r = self.invoke(name, {})
        self.assertEqual(r.executed_version, "$LATEST")
        self.assertEqual(r.json()["init"], "on-demand")
        self.assertIsNotNone(r.report().group("init"), r.log)

        d = self.lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertAwsError(
            lambda: self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"),
            "ProvisionedConcurrencyConfigNotFoundException", 404,
            message="No Provisioned Concurrency Config found for this function")
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName=name)
                         ["ProvisionedConcurrencyConfigs"], [])
        # Deleting a missing config is not an error.
        d = self.lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        # Version 1 still runs, on demand now.
        r = self.invoke(name, {}, Qualifier="1")
        self.assertEqual(r.json()["init"], "on-demand")

    def test_provisioned_on_alias_follows_the_alias(self):
        name, _, _ = self.create_function(zip_bytes=code("v1"), Publish=True)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v2"), Publish=True)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)
        self.wait_ready(self.lam, name, "live")
        item = self.lam.list_provisioned_concurrency_configs(
            FunctionName=name)["ProvisionedConcurrencyConfigs"][0]
        self.assertEqual(item["FunctionArn"], function_arn(name, "live"))
        for _ in range(3):
            r = self.invoke(name, {}, Qualifier="live")
            self.assertEqual((r.executed_version, r.json()["tag"]), ("1", "v1"))
            self.assertEqual(r.json()["init"], "provisioned-concurrency")
            self.assertNoInitDuration(r)
        # The version behind the alias is already covered: 409 for the version itself.
        self.assertAwsError(
            lambda: self.lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1),
            "ResourceConflictException", 409)
        # Moving the alias moves its provisioned environments to the new version.
        self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
        self.wait_ready(self.lam, name, "live")
        for _ in range(3):
            r = self.invoke(name, {}, Qualifier="live")
            self.assertEqual((r.executed_version, r.json()["tag"]), ("2", "v2"))
            self.assertEqual(r.json()["init"], "provisioned-concurrency")
            self.assertNoInitDuration(r)
        # Version 1 is free again to be provisioned on its own.
        self.lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1",
                                                    ProvisionedConcurrentExecutions=1)
        self.wait_ready(self.lam, name, "1")
        arns = sorted(c["FunctionArn"] for c in self.lam.list_provisioned_concurrency_configs(
            FunctionName=name)["ProvisionedConcurrencyConfigs"])
        self.assertEqual(arns, sorted([function_arn(name, "1"), function_arn(name, "live")]))
        # ... and, the other way round, an alias on a provisioned version cannot get its own.
        self.lam.create_alias(FunctionName=name, Name="other", FunctionVersion="1")
        self.assertAwsError(
            lambda: self.lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="other", ProvisionedConcurrentExecutions=1),
            "ResourceConflictException", 409)
        # Deleting the alias drops its config.
        self.lam.delete_alias(FunctionName=name, Name="live")
        arns = [c["FunctionArn"] for c in self.lam.list_provisioned_concurrency_configs(
            FunctionName=name)["ProvisionedConcurrencyConfigs"]]
        self.assertEqual(arns, [function_arn(name, "1")])

    def test_provisioned_validation(self):
        name, _, _ = self.create_function(zip_bytes=code(), Publish=True)
        unpublished = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
        must_be = "The function resource provided must be an alias or a published version."
        self.assertAwsError(
            lambda: self.lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1),
            "InvalidParameterValueException", 400, message=unpublished)
        self.assertAwsError(
            lambda: self.lam.get_provisioned_concurrency_config(FunctionName=name,
                                                                Qualifier="$LATEST"),
            "InvalidParameterValueException", 400, message=must_be)
        self.assertAwsError(
            lambda: self.lam.delete_provisioned_concurrency_config(FunctionName=name,
                                                                   Qualifier="$LATEST"),
            "InvalidParameterValueException", 400, message=must_be)
        # No config yet on an existing version: the modeled 404.
        resp = self.assertAwsError(
            lambda: self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"),
            "ProvisionedConcurrencyConfigNotFoundException", 404,
            message="No Provisioned Concurrency Config found for this function")
        self.assertEqual(resp.get("Type"), "User")
        r = self.server.http("GET", "/2019-09-30/functions/%s/provisioned-concurrency?Qualifier=1"
                             % name)
        self.assertRawError(r, 404, "ProvisionedConcurrencyConfigNotFoundException",
                            message_key="message",
                            message="No Provisioned Concurrency Config found for this function")
        # Unknown version / alias.
        for q in ("9", "nosuch"):
            self.assertAwsError(
                lambda: self.lam.put_provisioned_concurrency_config(
                    FunctionName=name, Qualifier=q, ProvisionedConcurrentExecutions=1),
                "ResourceNotFoundException", 404)
        # Out of range counts.
        self.assertAwsError(
            lambda: self.lam_nv.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=0),
            "ValidationException", 400)
        # Above the unreserved pool (minus its floor of 100) without a reservation.
        self.assertAwsError(
            lambda: self.lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=901),
            "InvalidParameterValueException", 400,
            message="Specified ConcurrentExecutions for function is greater than account's "
                    "unreserved concurrency [1000].")
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName=name)
                         ["ProvisionedConcurrencyConfigs"], [])

    def test_provisioned_on_alias_to_latest_refused(self):
        # An alias on $LATEST names the unpublished version: no provisioned concurrency there.
        name, _, _ = self.create_function(zip_bytes=code())
        self.lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
        self.assertAwsError(
            lambda: self.lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="edge", ProvisionedConcurrentExecutions=1),
            "InvalidParameterValueException", 400,
            message="Provisioned Concurrency Configs cannot be applied to unpublished function "
                    "versions.")
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName=name)
                         ["ProvisionedConcurrencyConfigs"], [])

    def test_provisioned_init_failure(self):
        name, _, _ = self.create_function(source="throw new Error('init boom');", Publish=True)
        p = self.lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1",
                                                        ProvisionedConcurrentExecutions=1)
        self.assertEqual(p["Status"], "IN_PROGRESS")
        deadline = time.monotonic() + READY_TIMEOUT_S
        g = None
        for _ in range(READY_POLLS):
            g = self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
            if g["Status"] != "IN_PROGRESS" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(g["Status"], "FAILED", g)
        self.assertEqual(g["StatusReason"], "FUNCTION_ERROR_INIT_FAILURE", g)
        self.assertEqual(g["RequestedProvisionedConcurrentExecutions"], 1)
        # The version still answers (with its init error) on demand.
        r = self.invoke(name, {}, Qualifier="1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled")
        self.assertEqual(r.json()["errorMessage"], "init boom")

    def test_provisioned_against_reserved(self):
        name, _, _ = self.create_function(zip_bytes=code(), Publish=True)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        self.assertAwsError(
            lambda: self.lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2),
            "InvalidParameterValueException", 400,
            message="Requested Provisioned Concurrency should not be greater than the "
                    "reservedConcurrentExecution for function")
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
        self.lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1",
                                                    ProvisionedConcurrentExecutions=2)
        self.assertAwsError(
            lambda: self.lam.put_function_concurrency(FunctionName=name,
                                                      ReservedConcurrentExecutions=1),
            "InvalidParameterValueException", 400,
            message=" ReservedConcurrentExecutions  1 should not be lower than function's total "
                    "provisioned concurrency [2].")
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name)
                         ["ReservedConcurrentExecutions"], 2)
        self.wait_ready(self.lam, name, "1")
        # Provisioned invocations still count against the reservation.
        clients = [self.server.client() for _ in range(3)]
        results = run_parallel(
            lambda i, _: InvokeResult(clients[i].invoke(FunctionName=name, Qualifier="1",
                                                        Payload=b'{"ms": 1000}')), 3)
        ok = [r for r in results if isinstance(r, InvokeResult)]
        self.assertEqual(len(ok), 2, results)
        for e in results:
            if not isinstance(e, InvokeResult):
                self.assertThrottledBoto(e, RESERVED_REASON)


# ------------------------------------------------------------------------------------------
# Parallel load
# ------------------------------------------------------------------------------------------

class ParallelLoadTest(ConcurrencyAssertions, StratusTestCase):

    def run_load(self, name, threads, per_thread):
        def work(i, raw):
            return [raw.post(invoke_path(name), body=b'{"ms": 50}') for _ in range(per_thread)]

        results = run_parallel(work, threads, prepare=lambda i: Raw(self.server.port))
        responses = []
        for r in results:
            self.assertIsInstance(r, list, "a connection failed: %r" % (r,))
            responses += r
        self.assertEqual(len(responses), threads * per_thread)
        counts = {}
        for status, headers, body in responses:
            counts[status] = counts.get(status, 0) + 1
            if status == 200:
                self.assertEqual(json.loads(body).get("tag"), "v1", body)
                self.assertIsNone(headers.get("x-amz-function-error"), body)
                self.assertEqual(headers.get("x-amz-executed-version"), "$LATEST")
            else:
                self.assertEqual(status, 429, (status, headers, body))
                self.assertThrottledRaw(status, headers, body, ACCOUNT_REASON)
        return counts

    def test_200_parallel_invocations(self):
        name, _, _ = self.create_function(zip_bytes=code(), Timeout=10)
        t0 = time.monotonic()
        counts = self.run_load(name, 50, 4)
        elapsed = time.monotonic() - t0
        self.assertEqual(set(counts) - {200, 429}, set(), counts)
        self.assertGreater(counts.get(200, 0), 0, counts)
        sys.stderr.write("[e2e] 200 parallel invocations: %r in %.2f s\n" % (counts, elapsed))
        # The server still answers, control plane and invoke.
        self.assertTrue(self.server.healthy())
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["FunctionName"], name)
        self.assertEqual(self.invoke_ok(name, {})["tag"], "v1")


class MemoryBudgetTest(ConcurrencyAssertions, StratusTestCase):
    """--memory-budget-mb 200 holds exactly one running 128 MB function: a running (or
    starting) sandbox is charged its MemorySize, an idle one its footprint, so the excess of a
    burst is throttled (429 ConcurrentInvocationLimitExceeded), nothing else."""

    # The placement rules are the scheduler's, whatever the tier; on the isolate tier an idle
    # sandbox's footprint is about 1 MB, so the warm one always has room to grow again. No
    # prewarmed processes: the pool is charged to the budget too (test_memory_budget.py).
    server_args = ("--memory-budget-mb", "200", "--node-tier", "isolate",
                   "--prewarm-processes", "0")

    def burst(self, name, count, tag):
        results = run_parallel(
            lambda i, raw: raw.post(invoke_path(name), body=b'{"ms": 1000}'), count,
            prepare=lambda i: Raw(self.server.port))
        for r in results:
            self.assertIsInstance(r, tuple, results)
        for status, headers, body in results:
            if status == 429:
                self.assertThrottledRaw(status, headers, body, ACCOUNT_REASON)
            else:
                self.assertEqual(status, 200, (status, headers, body))
                self.assertEqual(json.loads(body)["tag"], tag)
        return sorted(r[0] for r in results)

    def test_budget_throttles_a_burst_on_a_warm_function(self):
        tag = unique_name("warm")
        name, _, _ = self.create_function(zip_bytes=code(tag), Timeout=10)
        self.assertEqual(self.invoke_ok(name, {})["tag"], tag)  # one idle sandbox
        self.assertEqual(self.burst(name, 6, tag), [200] + [429] * 5)
        # Once idle, the warm sandbox serves sequential calls.
        for _ in range(5):
            self.assertEqual(self.invoke_ok(name, {})["tag"], tag)
        self.assertTrue(self.server.healthy())

    def test_budget_counts_concurrent_first_cold_starts(self):
        # The first burst on a function this server has not started yet: its cold starts
        # must be counted against the budget too, while their code is being prepared.
        tag = unique_name("cold")  # code this server has never started
        name, _, _ = self.create_function(zip_bytes=code(tag), Timeout=10)
        self.assertEqual(self.burst(name, 6, tag), [200] + [429] * 5)
        for _ in range(3):
            self.assertEqual(self.invoke_ok(name, {})["tag"], tag)
        self.assertTrue(self.server.healthy())


# ------------------------------------------------------------------------------------------
# A small account: --account-concurrency 10 (the unreserved floor is then 1)
# ------------------------------------------------------------------------------------------

class SmallAccountTest(ConcurrencyAssertions, StratusTestCase):

    server_args = ("--account-concurrency", "10")

    def test_account_settings_and_floor(self):
        limit = self.account(self.lam)
        self.assertEqual(limit["ConcurrentExecutions"], 10)
        self.assertEqual(limit["UnreservedConcurrentExecutions"], 10)
        name, _, _ = self.create_function(zip_bytes=code(), Publish=True)
        other, _, _ = self.create_function(zip_bytes=code())
        floor_msg = ("Specified ReservedConcurrentExecutions for function decreases account's "
                     "UnreservedConcurrentExecution below its minimum value of [1].")
        self.assertAwsError(
            lambda: self.lam.put_function_concurrency(FunctionName=name,
                                                      ReservedConcurrentExecutions=10),
            "InvalidParameterValueException", 400, message=floor_msg)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=9)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 1)
        self.assertAwsError(
            lambda: self.lam.put_function_concurrency(FunctionName=other,
                                                      ReservedConcurrentExecutions=1),
            "InvalidParameterValueException", 400, message=floor_msg)
        self.lam.delete_function_concurrency(FunctionName=name)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 10)
        # Provisioned concurrency without a reservation must leave the floor unreserved.
        self.assertAwsError(
            lambda: self.lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=10),
            "InvalidParameterValueException", 400,
            message="Specified ConcurrentExecutions for function is greater than account's "
                    "unreserved concurrency [10].")

    def test_account_limit_throttles_the_excess(self):
        name, _, _ = self.create_function(zip_bytes=code(), Timeout=10)
        results = run_parallel(
            lambda i, raw: raw.post(invoke_path(name), body=b'{"ms": 2000}'), 20,
            prepare=lambda i: Raw(self.server.port))
        statuses = sorted(r[0] for r in results if isinstance(r, tuple))
        self.assertEqual(len(statuses), 20, results)
        self.assertEqual(statuses, [200] * 10 + [429] * 10, results)
        for status, headers, body in results:
            if status == 429:
                self.assertThrottledRaw(status, headers, body, ACCOUNT_REASON)
            else:
                self.assertEqual(json.loads(body)["tag"], "v1")
        # Through boto3 too, and the pool is whole again afterwards.
        clients = [self.server.client() for _ in range(12)]
        results = run_parallel(
            lambda i, _: InvokeResult(clients[i].invoke(FunctionName=name,
                                                        Payload=b'{"ms": 1500}')), 12)
        ok = [r for r in results if isinstance(r, InvokeResult)]
        self.assertEqual(len(ok), 10, results)
        for e in results:
            if not isinstance(e, InvokeResult):
                self.assertThrottledBoto(e, ACCOUNT_REASON)
        self.assertEqual(self.invoke_ok(name, {})["tag"], "v1")

    def test_reserved_function_keeps_out_of_the_shared_pool(self):
        reserved, _, _ = self.create_function(zip_bytes=code("r"), Timeout=10)
        shared, _, _ = self.create_function(zip_bytes=code("s"), Timeout=10)
        self.lam.put_function_concurrency(FunctionName=reserved, ReservedConcurrentExecutions=4)
        self.assertEqual(self.account(self.lam)["UnreservedConcurrentExecutions"], 6)

        def call(i, raw):
            return (reserved if i % 2 == 0 else shared), raw.post(
                invoke_path(reserved if i % 2 == 0 else shared), body=b'{"ms": 2000}')

        results = run_parallel(call, 16, prepare=lambda i: Raw(self.server.port))
        by_fn = {reserved: [], shared: []}
        for r in results:
            self.assertIsInstance(r, tuple, results)
            fn, (status, headers, body) = r
            by_fn[fn].append(status)
            if status == 429:
                self.assertThrottledRaw(status, headers, body,
                                        RESERVED_REASON if fn == reserved else ACCOUNT_REASON)
        self.assertEqual(sorted(by_fn[reserved]), [200] * 4 + [429] * 4, by_fn)
        self.assertEqual(sorted(by_fn[shared]), [200] * 6 + [429] * 2, by_fn)


# ------------------------------------------------------------------------------------------
# Quotas survive restarts
# ------------------------------------------------------------------------------------------

class QuotasRestartTest(ConcurrencyAssertions, unittest.TestCase):

    def setUp(self):
        self.server = StratusServer()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.lam = self.server.client()

    def check_survives(self, kill):
        lam = self.lam
        a = unique_name("quota")
        lam.create_function(FunctionName=a, Runtime="nodejs20.x", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": code("v1")}, Publish=True)
        lam.update_function_code(FunctionName=a, ZipFile=code("v2"), Publish=True)
        lam.create_alias(FunctionName=a, Name="live", FunctionVersion="2",
                         RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
        lam.create_alias(FunctionName=a, Name="stable", FunctionVersion="1")
        lam.put_function_concurrency(FunctionName=a, ReservedConcurrentExecutions=5)
        lam.put_provisioned_concurrency_config(FunctionName=a, Qualifier="stable",
                                               ProvisionedConcurrentExecutions=2)
        self.wait_ready(lam, a, "stable")
        b = unique_name("zero")
        lam.create_function(FunctionName=b, Runtime="nodejs20.x", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": code("b")})
        lam.put_function_concurrency(FunctionName=b, ReservedConcurrentExecutions=0)
        aliases_before = lam.list_aliases(FunctionName=a)["Aliases"]
        versions_before = lam.list_versions_by_function(FunctionName=a)["Versions"]
        pc_before = lam.get_provisioned_concurrency_config(FunctionName=a, Qualifier="stable")
        self.assertEqual(self.account(lam)["UnreservedConcurrentExecutions"], 995)

        if kill:
            self.server.kill()
        else:
            rc = self.server.stop()
            self.assertFalse(self.server.last_stop_forced)
            self.assertEqual(rc, 0)
        self.server.proc = None
        self.server.start()
        self.lam = lam = self.server.client()
        self.assertEqual(self.server.function_count_at_start, 2)

        # Reserved concurrency: stored, counted in the account, enforced.
        self.assertEqual(lam.get_function_concurrency(FunctionName=a)
                         ["ReservedConcurrentExecutions"], 5)
        self.assertEqual(lam.get_function_concurrency(FunctionName=b)
                         ["ReservedConcurrentExecutions"], 0)
        self.assertEqual(self.account(lam)["UnreservedConcurrentExecutions"], 995)
        with self.assertRaises(Exception) as cm:
            lam.invoke(FunctionName=b, Payload=b"{}")
        self.assertThrottledBoto(cm.exception, RESERVED_REASON)
        # The unreserved floor still counts the restored reservations.
        self.assertAwsError(
            lambda: lam.put_function_concurrency(FunctionName=b, ReservedConcurrentExecutions=896),
            "InvalidParameterValueException")

        # Versions and aliases.
        self.assertEqual(lam.list_aliases(FunctionName=a)["Aliases"], aliases_before)
        self.assertEqual(lam.list_versions_by_function(FunctionName=a)["Versions"],
                         versions_before)

        # Provisioned concurrency: the config is back, and becomes READY again.
        g = self.wait_ready(lam, a, "stable")
        self.assertEqual(g["RequestedProvisionedConcurrentExecutions"], 2)
        self.assertEqual(g["LastModified"], pc_before["LastModified"])
        listed = lam.list_provisioned_concurrency_configs(FunctionName=a)
        self.assertEqual([c["FunctionArn"] for c in listed["ProvisionedConcurrencyConfigs"]],
                         [function_arn(a, "stable")])
        for _ in range(3):
            r = InvokeResult(lam.invoke(FunctionName=a, Qualifier="stable", Payload=b"{}",
                                        LogType="Tail"))
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.executed_version, "1")
            self.assertEqual(r.json(), {"tag": "v1", "version": "1",
                                        "init": "provisioned-concurrency"})
            self.assertNoInitDuration(r)
        seen = set()
        for _ in range(200):
            r = InvokeResult(lam.invoke(FunctionName=a, Qualifier="live", Payload=b"{}"))
            seen.add((r.executed_version, r.json()["tag"]))
            if len(seen) == 2:
                break
        self.assertEqual(seen, {("1", "v1"), ("2", "v2")})

    def assertAwsError(self, fn, code):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        self.assertEqual(cm.exception.response["Error"]["Code"], code)

    def test_quotas_survive_sigterm(self):
        self.check_survives(kill=False)

    def test_quotas_survive_sigkill(self):
        self.check_survives(kill=True)


if __name__ == "__main__":
    main()
