#!/usr/bin/env python3
"""Aliases: Create/Get/Update/Delete/ListAliases, RoutingConfig.AdditionalVersionWeights and
every validation rule of LAMBDA.md §2, invoking by alias name and alias ARN, the weighted
split between two versions, and X-Amz-Executed-Version (LAMBDA.md §1, §2, §4, §5)."""
import json
import math
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (StratusTestCase, function_arn, main, make_zip, unique_name)  # noqa: E402

TAGGED = """
exports.handler = async (event, context) => ({
  tag: '%s', version: context.functionVersion, arn: context.invokedFunctionArn,
});
"""
ALIAS_KEYS = {"AliasArn", "Name", "FunctionVersion", "Description", "RevisionId"}
REVISION_MISMATCH = ("The Revision Id provided does not match the latest Revision Id. Call the "
                     "GetFunction/GetAlias API to retrieve the latest Revision Id")


def code(tag):
    return make_zip({"index.js": TAGGED % tag})


def strip_meta(d):
    return {k: v for k, v in d.items() if k != "ResponseMetadata"}


def binomial_bounds(n, p, sigmas=5.0):
    """[lo, hi] holding a Binomial(n, p) count except with probability < 1e-6."""
    sd = math.sqrt(n * p * (1 - p))
    return math.floor(n * p - sigmas * sd), math.ceil(n * p + sigmas * sd)


class AliasesTest(StratusTestCase):

    def function_with_versions(self, count=2):
        """A function with versions 1..count whose code reports tag v1..vN."""
        name, _, _ = self.create_function(zip_bytes=code("v1"), Publish=True)
        for i in range(2, count + 1):
            self.lam.update_function_code(FunctionName=name, ZipFile=code("v%d" % i), Publish=True)
        return name

    def invoke_version(self, name, client=None, **kw):
        r = self.invoke(name, client=client, tail=False, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        body = r.json()
        # The version that ran is the one the header names.
        self.assertEqual(body["version"], r.executed_version, r)
        if r.executed_version != "$LATEST":
            self.assertEqual(body["tag"], "v" + r.executed_version, r)
        return r.executed_version, body

    # -- lifecycle -----------------------------------------------------------------------------

    def test_alias_lifecycle(self):
        name = self.function_with_versions(2)
        arn = function_arn(name, "live")
        c = self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertEqual(c["ResponseMetadata"]["HTTPStatusCode"], 201)
        c = strip_meta(c)
        self.assertEqual(set(c.keys()), ALIAS_KEYS)  # RoutingConfig omitted when unset
        self.assertEqual(c["AliasArn"], arn)
        self.assertEqual(c["Name"], "live")
        self.assertEqual(c["FunctionVersion"], "1")
        self.assertEqual(c["Description"], "")
        self.assertUuid(c["RevisionId"])

        g = self.lam.get_alias(FunctionName=name, Name="live")
        self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(strip_meta(g), c)
        # Every function-name form reaches the alias.
        for form in (function_arn(name), "000000000000:function:" + name):
            self.assertEqual(strip_meta(self.lam.get_alias(FunctionName=form, Name="live")), c)

        u = self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                                  Description="now two")
        self.assertEqual(u["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(u["FunctionVersion"], "2")
        self.assertEqual(u["Description"], "now two")
        self.assertEqual(u["AliasArn"], arn)
        self.assertUuid(u["RevisionId"])
        self.assertNotEqual(u["RevisionId"], c["RevisionId"])
        self.assertEqual(strip_meta(self.lam.get_alias(FunctionName=name, Name="live")),
                         strip_meta(u))

        # RevisionId guards updates.
        self.assertAwsError(
            lambda: self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                          RevisionId=c["RevisionId"]),
            "PreconditionFailedException", 412, message=REVISION_MISMATCH)
        self.assertEqual(self.lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"], "2")
        u2 = self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                   RevisionId=u["RevisionId"])
        self.assertEqual(u2["FunctionVersion"], "1")
        # An update naming only the description keeps the version (and vice versa).
        u3 = self.lam.update_alias(FunctionName=name, Name="live", Description="desc only")
        self.assertEqual((u3["FunctionVersion"], u3["Description"]), ("1", "desc only"))
        u4 = self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
        self.assertEqual((u4["FunctionVersion"], u4["Description"]), ("2", "desc only"))

        d = self.lam.delete_alias(FunctionName=name, Name="live")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertAwsError(lambda: self.lam.get_alias(FunctionName=name, Name="live"),
                            "ResourceNotFoundException", 404,
                            message="Cannot find alias arn: " + arn)
        # Deleting a missing alias is not an error.
        d = self.lam.delete_alias(FunctionName=name, Name="live")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.lam.list_aliases(FunctionName=name)["Aliases"], [])
        # The versions are untouched.
        self.assertEqual(self.invoke_version(name, Qualifier="2")[0], "2")

    def test_alias_raw_envelope(self):
        name = self.function_with_versions(1)
        r = self.server.http("POST", "/2015-03-31/functions/%s/aliases" % name,
                             body=json.dumps({"Name": "raw", "FunctionVersion": "1",
                                              "Description": "d"}),
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r)
        self.assertUuid(r.header("x-amzn-RequestId"))
        self.assertEqual(r.json()["AliasArn"], function_arn(name, "raw"))
        r = self.server.http("GET", "/2015-03-31/functions/%s/aliases/raw" % name)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["Description"], "d")
        r = self.server.http("GET", "/2015-03-31/functions/%s/aliases/nope" % name)
        self.assertRawError(r, 404, "ResourceNotFoundException", message_key="Message",
                            message="Cannot find alias arn: " + function_arn(name, "nope"))
        r = self.server.http("DELETE", "/2015-03-31/functions/%s/aliases/raw" % name)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")

    def test_alias_to_latest(self):
        name, _, _ = self.create_function(zip_bytes=code("latest"))
        a = self.lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
        self.assertEqual(a["FunctionVersion"], "$LATEST")
        version, body = self.invoke_version(name, Qualifier="edge")
        self.assertEqual(version, "$LATEST")
        self.assertEqual(body["tag"], "latest")
        self.lam.update_function_code(FunctionName=name, ZipFile=code("newer"))
        version, body = self.invoke_version(name, Qualifier="edge")
        self.assertEqual((version, body["tag"]), ("$LATEST", "newer"))

    def test_list_aliases(self):
        name = self.function_with_versions(2)
        for i, alias in enumerate(["a1", "a2", "a3", "b1", "b2"]):
            self.lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=str(i % 2 + 1))
        listed = self.lam.list_aliases(FunctionName=name)
        self.assertEqual(listed["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertNotIn("NextMarker", listed)
        self.assertEqual(sorted(a["Name"] for a in listed["Aliases"]),
                         ["a1", "a2", "a3", "b1", "b2"])
        for a in listed["Aliases"]:
            self.assertEqual(a, strip_meta(self.lam.get_alias(FunctionName=name, Name=a["Name"])))
        # FunctionVersion filter.
        ones = self.lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]
        self.assertEqual(sorted(a["Name"] for a in ones), ["a1", "a3", "b2"])
        twos = self.lam.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"]
        self.assertEqual(sorted(a["Name"] for a in twos), ["a2", "b1"])
        # Paging with MaxItems / Marker.
        pages, marker = [], None
        for _ in range(10):
            kw = {"MaxItems": 2}
            if marker:
                kw["Marker"] = marker
            page = self.lam.list_aliases(FunctionName=name, **kw)
            pages.append([a["Name"] for a in page["Aliases"]])
            marker = page.get("NextMarker")
            if not marker:
                break
        self.assertEqual([len(p) for p in pages], [2, 2, 1])
        self.assertEqual(sorted(sum(pages, [])), ["a1", "a2", "a3", "b1", "b2"])
        seen = []
        for page in self.lam.get_paginator("list_aliases").paginate(
                FunctionName=name, PaginationConfig={"PageSize": 3, "MaxItems": 100}):
            seen += [a["Name"] for a in page["Aliases"]]
        self.assertEqual(sorted(seen), ["a1", "a2", "a3", "b1", "b2"])

    def test_alias_on_missing_function(self):
        name = unique_name("missing")
        self.assertAwsError(lambda: self.lam.create_alias(FunctionName=name, Name="x",
                                                          FunctionVersion="1"),
                            "ResourceNotFoundException", 404)
        self.assertAwsError(lambda: self.lam.get_alias(FunctionName=name, Name="x"),
                            "ResourceNotFoundException", 404)
        self.assertAwsError(lambda: self.lam.list_aliases(FunctionName=name),
                            "ResourceNotFoundException", 404)

    # -- validation (LAMBDA.md §2) ---------------------------------------------------------------

    def test_alias_name_rules(self):
        name = self.function_with_versions(1)
        for bad in ("123", "0", "has.dot", "has space", "x" * 129):
            self.assertAwsError(
                lambda: self.lam_nv.create_alias(FunctionName=name, Name=bad, FunctionVersion="1"),
                "ValidationException", 400)
        # Letters, digits, - and _ are fine, also starting with a digit; 128 chars is the max.
        for good in ("1a", "a-b_c", "A" * 128, "9-9"):
            a = self.lam.create_alias(FunctionName=name, Name=good, FunctionVersion="1")
            self.assertEqual(a["Name"], good)
        self.assertEqual(len(self.lam.list_aliases(FunctionName=name)["Aliases"]), 4)

    def test_duplicate_alias_conflicts(self):
        name = self.function_with_versions(1)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertAwsError(
            lambda: self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1"),
            "ResourceConflictException", 409,
            message="Alias already exists: " + function_arn(name, "live"))

    def test_update_missing_alias(self):
        name = self.function_with_versions(1)
        self.assertAwsError(
            lambda: self.lam.update_alias(FunctionName=name, Name="ghost", FunctionVersion="1"),
            "ResourceNotFoundException", 404,
            message="Alias not found: " + function_arn(name, "ghost"))

    def test_unknown_versions(self):
        name = self.function_with_versions(2)
        self.assertAwsError(
            lambda: self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="10"),
            "ResourceNotFoundException", 404,
            message="Function not found: " + function_arn(name, "10"))
        self.assertAwsError(
            lambda: self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                          RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}}),
            "ResourceNotFoundException", 404,
            message="Function not found: " + function_arn(name, "10"))
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertAwsError(
            lambda: self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="10"),
            "ResourceNotFoundException", 404,
            message="Function not found: " + function_arn(name, "10"))
        self.assertEqual(self.lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"], "1")
        self.assertEqual(self.lam.list_aliases(FunctionName=name)["Aliases"][0]["Name"], "live")

    def test_weight_range(self):
        name = self.function_with_versions(2)
        for w in (1.5, -0.1, 2.0):
            self.assertAwsError(
                lambda: self.lam_nv.create_alias(
                    FunctionName=name, Name="w", FunctionVersion="1",
                    RoutingConfig={"AdditionalVersionWeights": {"2": w}}),
                "ValidationException", 400)
        self.assertEqual(self.lam.list_aliases(FunctionName=name)["Aliases"], [])
        for w in (0.0, 1.0, 0.5):
            a = self.lam.create_alias(FunctionName=name, Name="w", FunctionVersion="1",
                                      RoutingConfig={"AdditionalVersionWeights": {"2": w}})
            self.assertEqual(a["RoutingConfig"], {"AdditionalVersionWeights": {"2": w}})
            self.lam.delete_alias(FunctionName=name, Name="w")
        self.lam.create_alias(FunctionName=name, Name="w", FunctionVersion="1")
        self.assertAwsError(
            lambda: self.lam_nv.update_alias(FunctionName=name, Name="w",
                                             RoutingConfig={"AdditionalVersionWeights": {"2": 1.01}}),
            "ValidationException", 400)
        self.assertNotIn("RoutingConfig", self.lam.get_alias(FunctionName=name, Name="w"))

    def test_at_most_one_weight(self):
        name = self.function_with_versions(3)
        two = {"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}
        msg = "Number of items in AdditionalVersionWeights cannot be greater than 1"
        self.assertAwsError(
            lambda: self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                          RoutingConfig=two),
            "InvalidParameterValueException", 400, message=msg)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertAwsError(
            lambda: self.lam.update_alias(FunctionName=name, Name="live", RoutingConfig=two),
            "InvalidParameterValueException", 400, message=msg)

    def test_weighted_version_must_differ(self):
        name = self.function_with_versions(2)
        msg = ("Invalid function version 1. Function version 1 is already included in routing "
               "configuration.")
        self.assertAwsError(
            lambda: self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                          RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
            "InvalidParameterValueException", 400, message=msg)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        self.assertAwsError(
            lambda: self.lam.update_alias(FunctionName=name, Name="live",
                                          RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
            "InvalidParameterValueException", 400, message=msg)

    def test_moving_alias_onto_its_weighted_version(self):
        # The rule "weighted version != FunctionVersion" holds for the alias as updated: moving
        # FunctionVersion onto the weighted version (routing left as it is) breaks it.
        name = self.function_with_versions(2)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        self.assertAwsError(
            lambda: self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2"),
            "InvalidParameterValueException", 400,
            message="Invalid function version 2. Function version 2 is already included in "
                    "routing configuration.")
        a = self.lam.get_alias(FunctionName=name, Name="live")
        self.assertEqual(a["FunctionVersion"], "1")
        self.assertEqual(a["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.5}})

    def test_latest_cannot_be_weighted(self):
        name = self.function_with_versions(2)
        msg = "$LATEST is not supported for an alias pointing to more than 1 version"
        self.assertAwsError(
            lambda: self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="$LATEST",
                                          RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
            "InvalidParameterValueException", 400, message=msg)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        self.assertAwsError(
            lambda: self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="$LATEST"),
            "InvalidParameterValueException", 400, message=msg)
        self.assertEqual(self.lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"], "1")
        # Without routing, an alias may point at $LATEST.
        self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="$LATEST",
                              RoutingConfig={"AdditionalVersionWeights": {}})
        a = self.lam.get_alias(FunctionName=name, Name="live")
        self.assertEqual(a["FunctionVersion"], "$LATEST")
        self.assertFalse(a.get("RoutingConfig", {}).get("AdditionalVersionWeights"), a)

    def test_routing_config_roundtrip(self):
        name = self.function_with_versions(3)
        a = self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}})
        self.assertEqual(a["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.2}})
        g = self.lam.get_alias(FunctionName=name, Name="live")
        self.assertEqual(g["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.2}})
        listed = self.lam.list_aliases(FunctionName=name)["Aliases"]
        self.assertEqual(listed[0]["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.2}})
        # Raw JSON: the weight is a number.
        r = self.server.http("GET", "/2015-03-31/functions/%s/aliases/live" % name)
        self.assertEqual(r.json()["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.2}})
        # An update without RoutingConfig keeps it; with one replaces it; an empty map clears it.
        u = self.lam.update_alias(FunctionName=name, Name="live", Description="x")
        self.assertEqual(u["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.2}})
        u = self.lam.update_alias(FunctionName=name, Name="live",
                                  RoutingConfig={"AdditionalVersionWeights": {"3": 0.7}})
        self.assertEqual(u["RoutingConfig"], {"AdditionalVersionWeights": {"3": 0.7}})
        u = self.lam.update_alias(FunctionName=name, Name="live",
                                  RoutingConfig={"AdditionalVersionWeights": {}})
        self.assertFalse(u.get("RoutingConfig", {}).get("AdditionalVersionWeights"), u)
        g = self.lam.get_alias(FunctionName=name, Name="live")
        self.assertFalse(g.get("RoutingConfig", {}).get("AdditionalVersionWeights"), g)

    # -- invoking through an alias ---------------------------------------------------------------

    def test_invoke_by_alias_name_and_arn(self):
        name = self.function_with_versions(2)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        arn = function_arn(name, "live")
        for kw in (dict(FunctionName=name, Qualifier="live"), dict(FunctionName=name + ":live"),
                   dict(FunctionName=arn), dict(FunctionName=arn, Qualifier="live"),
                   dict(FunctionName="000000000000:function:%s:live" % name)):
            fn = kw.pop("FunctionName")
            version, body = self.invoke_version(fn, **kw)
            self.assertEqual(version, "1", (fn, kw))
            self.assertEqual(body["tag"], "v1")
            self.assertEqual(body["arn"], arn)  # the ARN the caller used, alias included
        self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
        version, body = self.invoke_version(arn)
        self.assertEqual((version, body["tag"]), ("2", "v2"))
        # Raw HTTP: the header, with the percent-encoded alias ARN in the path.
        enc = urllib.parse.quote(arn, safe="-._~")
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % enc, body=b"{}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Executed-Version"), "2")
        self.assertEqual(r.json()["version"], "2")
        # Log lines name the executed version, never the alias.
        r = self.invoke(name, Qualifier="live")
        self.assertIn("START RequestId: %s Version: 2\n" % r.request_id, r.log)
        # An unknown alias is a missing function version.
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name, Qualifier="nope"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name, "nope"))

    def test_weighted_alias_splits_invocations(self):
        name = self.function_with_versions(2)
        self.lam.create_alias(FunctionName=name, Name="split", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
        n = 1000
        counts = {"1": 0, "2": 0}
        for _ in range(n):
            version, _ = self.invoke_version(name, Qualifier="split")
            self.assertIn(version, counts)
            counts[version] += 1
        lo, hi = binomial_bounds(n, 0.3)
        self.assertTrue(lo <= counts["2"] <= hi,
                        "version 2 got %d of %d invocations; expected %d..%d" % (
                            counts["2"], n, lo, hi))
        self.assertEqual(counts["1"] + counts["2"], n)

    def test_weighted_alias_by_arn_and_raw_http(self):
        name = self.function_with_versions(2)
        self.lam.create_alias(FunctionName=name, Name="half", FunctionVersion="2",
                              RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
        enc = urllib.parse.quote(function_arn(name, "half"), safe="-._~")
        n = 400
        counts = {"1": 0, "2": 0}
        for _ in range(n):
            r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % enc, body=b"{}")
            self.assertEqual(r.status, 200, r)
            v = r.header("X-Amz-Executed-Version")
            self.assertIn(v, counts)
            self.assertEqual(r.json()["version"], v)
            counts[v] += 1
        lo, hi = binomial_bounds(n, 0.5)
        self.assertTrue(lo <= counts["1"] <= hi, counts)

    def test_extreme_weights(self):
        name = self.function_with_versions(2)
        self.lam.create_alias(FunctionName=name, Name="none", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.0}})
        self.lam.create_alias(FunctionName=name, Name="all", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
        for _ in range(100):
            self.assertEqual(self.invoke_version(name, Qualifier="none")[0], "1")
            self.assertEqual(self.invoke_version(name, Qualifier="all")[0], "2")
        # Updating the weights takes effect at once.
        self.lam.update_alias(FunctionName=name, Name="all",
                              RoutingConfig={"AdditionalVersionWeights": {}})
        for _ in range(50):
            self.assertEqual(self.invoke_version(name, Qualifier="all")[0], "1")

    def test_executed_version_on_function_errors(self):
        src = "exports.handler = async () => { throw new Error('boom'); };"
        name, _, _ = self.create_function(source=src, Publish=True)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        r = self.invoke(name, Qualifier="live")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled")
        self.assertEqual(r.executed_version, "1")


if __name__ == "__main__":
    main()
