#!/usr/bin/env python3
"""Versions: PublishVersion (snapshots of $LATEST, idempotent when nothing changed, CodeSha256
and RevisionId guards), Publish=True on Create/UpdateFunctionCode, ListVersionsByFunction with
paging, the Qualifier (number, alias, $LATEST) on Get*, Invoke and DeleteFunction, and versions
surviving a restart (LAMBDA.md §1, §2, §4, §5, §6)."""
import json
import os
import sys
import unittest
import urllib.parse
import uuid

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ROLE, TIMESTAMP_RE, InvokeResult, StratusServer,  # noqa: E402
                     StratusTestCase, function_arn, main, make_zip, raw_request, sha256_b64,
                     unique_name)

# Reports which code ran, and what the runtime says about the version it runs.
TAGGED = """
exports.handler = async (event, context) => ({
  tag: '%s',
  version: context.functionVersion,
  envVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  arn: context.invokedFunctionArn,
  myVar: process.env.MY_VAR || null,
});
"""

LIST_OMITS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus",
              "LastUpdateStatusReason", "LastUpdateStatusReasonCode", "RuntimeVersionConfig")
REVISION_MISMATCH = ("The Revision Id provided does not match the latest Revision Id. Call the "
                     "GetFunction/GetAlias API to retrieve the latest Revision Id")


def code(tag):
    return make_zip({"index.js": TAGGED % tag})


class VersionsTest(StratusTestCase):

    def create(self, tag="v1", **kwargs):
        return self.create_function(zip_bytes=code(tag), **kwargs)

    def versions(self, name, **kwargs):
        return self.lam.list_versions_by_function(FunctionName=name, **kwargs)["Versions"]

    def version_ids(self, name):
        return [v["Version"] for v in self.versions(name)]

    def invoke_tagged(self, name, **kwargs):
        r = self.invoke(name, **kwargs)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        return r, r.json()

    # -- PublishVersion -----------------------------------------------------------------------

    def test_publish_snapshots_latest(self):
        zip1 = code("v1")
        name, _, _ = self.create_function(zip_bytes=zip1, Timeout=7, MemorySize=256,
                                          Environment={"Variables": {"MY_VAR": "one"}},
                                          Description="function desc")
        latest = self.lam.get_function_configuration(FunctionName=name)
        p = self.lam.publish_version(FunctionName=name, Description="first")
        self.assertEqual(p["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(p["Version"], "1")
        self.assertEqual(p["FunctionName"], name)
        self.assertEqual(p["FunctionArn"], function_arn(name, "1"))
        self.assertEqual(p["Description"], "first")
        self.assertEqual(p["CodeSha256"], sha256_b64(zip1))
        self.assertEqual(p["CodeSize"], len(zip1))
        for k in ("Runtime", "Role", "Handler", "Timeout", "MemorySize", "Environment",
                  "Architectures", "EphemeralStorage", "TracingConfig", "PackageType"):
            self.assertEqual(p[k], latest[k], k)
        self.assertUuid(p["RevisionId"])
        self.assertRegex(p["LastModified"], TIMESTAMP_RE)

        # Change $LATEST's code and configuration, publish again.
        zip2 = code("v2")
        self.lam.update_function_code(FunctionName=name, ZipFile=zip2)
        self.lam.update_function_configuration(FunctionName=name, Timeout=9,
                                               Environment={"Variables": {"MY_VAR": "two"}})
        p2 = self.lam.publish_version(FunctionName=name)
        self.assertEqual(p2["Version"], "2")
        self.assertEqual(p2["FunctionArn"], function_arn(name, "2"))
        self.assertEqual(p2["CodeSha256"], sha256_b64(zip2))
        self.assertEqual(p2["Timeout"], 9)

        # Version 1 is frozen: configuration and code as published.
        g1 = self.lam.get_function_configuration(FunctionName=name, Qualifier="1")
        self.assertEqual(g1["Version"], "1")
        self.assertEqual(g1["FunctionArn"], function_arn(name, "1"))
        self.assertEqual(g1["CodeSha256"], sha256_b64(zip1))
        self.assertEqual(g1["Timeout"], 7)
        self.assertEqual(g1["MemorySize"], 256)
        self.assertEqual(g1["Environment"], {"Variables": {"MY_VAR": "one"}})
        self.assertEqual(g1["Description"], "first")
        self.assertEqual(g1["State"], "Active")
        g2 = self.lam.get_function_configuration(FunctionName=name, Qualifier="2")
        self.assertEqual(g2["CodeSha256"], sha256_b64(zip2))
        self.assertEqual(g2["Environment"], {"Variables": {"MY_VAR": "two"}})

        # Invoking each version runs its own code and configuration.
        r, body = self.invoke_tagged(name, Qualifier="1")
        self.assertEqual(r.executed_version, "1")
        self.assertEqual(body["tag"], "v1")
        self.assertEqual(body["myVar"], "one")
        self.assertEqual(body["version"], "1")
        self.assertEqual(body["envVersion"], "1")
        self.assertEqual(body["arn"], function_arn(name, "1"))
        self.assertIn("START RequestId: %s Version: 1\n" % r.request_id, r.log)
        r, body = self.invoke_tagged(name, Qualifier="2")
        self.assertEqual(r.executed_version, "2")
        self.assertEqual((body["tag"], body["myVar"], body["version"]), ("v2", "two", "2"))
        r, body = self.invoke_tagged(name)
        self.assertEqual(r.executed_version, "$LATEST")
        self.assertEqual((body["tag"], body["version"]), ("v2", "$LATEST"))
        self.assertEqual(body["arn"], function_arn(name))
        self.assertIn("Version: $LATEST\n", r.log)

    def test_version_keeps_its_code_after_latest_changes(self):
        name, _, _ = self.create("old")
        self.lam.publish_version(FunctionName=name)
        # Warm version 1 and $LATEST first, so reuse of a stale sandbox would show.
        self.assertEqual(self.invoke_tagged(name, Qualifier="1")[1]["tag"], "old")
        self.assertEqual(self.invoke_tagged(name)[1]["tag"], "old")
        self.lam.update_function_code(FunctionName=name, ZipFile=code("new"))
        for _ in range(3):
            r, body = self.invoke_tagged(name, Qualifier="1")
            self.assertEqual((r.executed_version, body["tag"]), ("1", "old"))
            r, body = self.invoke_tagged(name, Qualifier="$LATEST")
            self.assertEqual((r.executed_version, body["tag"]), ("$LATEST", "new"))
        # The version's code download is still the old zip.
        g = self.lam.get_function(FunctionName=name, Qualifier="1")
        loc = urllib.parse.urlsplit(g["Code"]["Location"])
        zr = raw_request(self.server.port, "GET", loc.path)
        self.assertEqual(zr.status, 200, zr)
        self.assertEqual(zr.body, code("old"))
        g = self.lam.get_function(FunctionName=name)
        loc = urllib.parse.urlsplit(g["Code"]["Location"])
        self.assertEqual(raw_request(self.server.port, "GET", loc.path).body, code("new"))

    def test_publish_unchanged_returns_latest_version(self):
        name, _, _ = self.create()
        p1 = self.lam.publish_version(FunctionName=name)
        again = self.lam.publish_version(FunctionName=name)
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(again["Version"], "1")
        self.assertEqual(again["FunctionArn"], function_arn(name, "1"))
        self.assertEqual(again["CodeSha256"], p1["CodeSha256"])
        self.assertEqual(self.version_ids(name), ["$LATEST", "1"])
        # A change makes the next publish a new version; publishing again returns it.
        self.lam.update_function_configuration(FunctionName=name,
                                               Environment={"Variables": {"MY_VAR": "x"}})
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "2")
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "2")
        self.assertEqual(self.version_ids(name), ["$LATEST", "1", "2"])

    def test_publish_code_sha256_mismatch(self):
        zip1 = code("v1")
        name, _, _ = self.create_function(zip_bytes=zip1)
        current = sha256_b64(zip1)
        wrong = sha256_b64(b"something else")
        self.assertAwsError(
            lambda: self.lam.publish_version(FunctionName=name, CodeSha256=wrong),
            "InvalidParameterValueException", 400,
            message="CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). "
                    "Please try again with the CodeSHA256 in $LATEST." % (wrong, current))
        self.assertEqual(self.version_ids(name), ["$LATEST"])
        p = self.lam.publish_version(FunctionName=name, CodeSha256=current)
        self.assertEqual(p["Version"], "1")
        # The raw envelope: message key lower-case, Type User.
        r = self.server.http("POST", "/2015-03-31/functions/%s/versions" % name,
                             body=json.dumps({"CodeSha256": "abc"}),
                             headers={"Content-Type": "application/json"})
        self.assertRawError(r, 400, "InvalidParameterValueException", message_key="message",
                            message_prefix="CodeSHA256 (abc) is different from current CodeSHA256")

    def test_publish_revision_id_mismatch(self):
        name, _, _ = self.create()
        self.assertAwsError(
            lambda: self.lam.publish_version(FunctionName=name, RevisionId=str(uuid.uuid4())),
            "PreconditionFailedException", 412, message=REVISION_MISMATCH)
        self.assertEqual(self.version_ids(name), ["$LATEST"])
        rev = self.lam.get_function_configuration(FunctionName=name)["RevisionId"]
        self.assertEqual(self.lam.publish_version(FunctionName=name, RevisionId=rev)["Version"], "1")

    def test_publish_missing_function(self):
        name = unique_name("missing")
        self.assertAwsError(lambda: self.lam.publish_version(FunctionName=name),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name))
        self.assertAwsError(lambda: self.lam.list_versions_by_function(FunctionName=name),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name))

    def test_publish_true_on_create_and_update_code(self):
        zip1 = code("v1")
        name, _, c = self.create_function(zip_bytes=zip1, Publish=True)
        self.assertEqual(c["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(c["Version"], "1")
        self.assertEqual(c["FunctionArn"], function_arn(name))  # unqualified (obs.)
        self.assertEqual(c["CodeSha256"], sha256_b64(zip1))
        self.assertEqual(self.version_ids(name), ["$LATEST", "1"])

        zip2 = code("v2")
        u = self.lam.update_function_code(FunctionName=name, ZipFile=zip2, Publish=True)
        self.assertEqual(u["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(u["Version"], "2")
        self.assertEqual(u["FunctionArn"], function_arn(name))
        self.assertEqual(u["CodeSha256"], sha256_b64(zip2))
        self.assertEqual(self.version_ids(name), ["$LATEST", "1", "2"])
        # Without Publish, the answer is $LATEST and no version appears.
        u = self.lam.update_function_code(FunctionName=name, ZipFile=code("v3"))
        self.assertEqual(u["Version"], "$LATEST")
        self.assertEqual(self.version_ids(name), ["$LATEST", "1", "2"])
        self.assertEqual(self.invoke_tagged(name, Qualifier="1")[1]["tag"], "v1")
        self.assertEqual(self.invoke_tagged(name, Qualifier="2")[1]["tag"], "v2")
        self.assertEqual(self.invoke_tagged(name)[1]["tag"], "v3")

    # -- ListVersionsByFunction ----------------------------------------------------------------

    def test_list_versions_shape(self):
        name, _, _ = self.create()
        self.lam.publish_version(FunctionName=name, Description="d1")
        listed = self.versions(name)
        self.assertEqual([v["Version"] for v in listed], ["$LATEST", "1"])
        self.assertEqual(listed[0]["FunctionArn"], function_arn(name, "$LATEST"))
        self.assertEqual(listed[1]["FunctionArn"], function_arn(name, "1"))
        self.assertEqual(listed[1]["Description"], "d1")
        for v in listed:
            self.assertEqual(v["FunctionName"], name)
            for k in LIST_OMITS:
                self.assertNotIn(k, v, "%s in a listed version" % k)
        # Get of version 1 and its list entry agree on the shared fields.
        g = self.lam.get_function_configuration(FunctionName=name, Qualifier="1")
        for k in ("FunctionArn", "CodeSha256", "CodeSize", "RevisionId", "LastModified",
                  "Description", "Timeout", "MemorySize", "Handler", "Runtime"):
            self.assertEqual(listed[1][k], g[k], k)

    def test_list_versions_paging(self):
        name, _, _ = self.create()
        for i in range(5):
            self.lam.update_function_configuration(FunctionName=name,
                                                   Environment={"Variables": {"MY_VAR": str(i)}})
            self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], str(i + 1))
        pages, marker = [], None
        for _ in range(10):
            kw = {"MaxItems": 2}
            if marker:
                kw["Marker"] = marker
            page = self.lam.list_versions_by_function(FunctionName=name, **kw)
            pages.append([v["Version"] for v in page["Versions"]])
            marker = page.get("NextMarker")
            if not marker:
                break
        self.assertEqual(pages, [["$LATEST", "1"], ["2", "3"], ["4", "5"]])
        # boto3's paginator walks the same pages.
        seen = []
        for page in self.lam.get_paginator("list_versions_by_function").paginate(
                FunctionName=name, PaginationConfig={"PageSize": 4, "MaxItems": 100}):
            seen += [v["Version"] for v in page["Versions"]]
        self.assertEqual(seen, ["$LATEST", "1", "2", "3", "4", "5"])
        # MaxItems out of range is a ValidationException.
        self.assertAwsError(
            lambda: self.lam_nv.list_versions_by_function(FunctionName=name, MaxItems=0),
            "ValidationException", 400)

    def test_list_versions_at_most_50_per_page(self):
        name, _, _ = self.create()
        for i in range(55):
            self.lam.update_function_configuration(FunctionName=name,
                                                   Environment={"Variables": {"MY_VAR": str(i)}})
            self.lam.publish_version(FunctionName=name)
        page = self.lam.list_versions_by_function(FunctionName=name, MaxItems=1000)
        self.assertEqual(len(page["Versions"]), 50)
        self.assertIn("NextMarker", page)
        rest = self.lam.list_versions_by_function(FunctionName=name, Marker=page["NextMarker"])
        self.assertNotIn("NextMarker", rest)
        allv = [v["Version"] for v in page["Versions"] + rest["Versions"]]
        self.assertEqual(allv, ["$LATEST"] + [str(i) for i in range(1, 56)])

    def test_list_functions_all_versions(self):
        name, _, _ = self.create()
        self.lam.publish_version(FunctionName=name)
        plain = [f for f in self.lam.list_functions()["Functions"] if f["FunctionName"] == name]
        self.assertEqual(len(plain), 1)
        self.assertEqual(plain[0]["FunctionArn"], function_arn(name))
        self.assertEqual(plain[0]["Version"], "$LATEST")
        allv = [f for f in self.lam.list_functions(FunctionVersion="ALL")["Functions"]
                if f["FunctionName"] == name]
        self.assertEqual(sorted(f["FunctionArn"] for f in allv),
                         sorted([function_arn(name, "$LATEST"), function_arn(name, "1")]))

    def test_account_usage_counts_versions(self):
        before = self.lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
        zip1 = code("usage")
        name, _, _ = self.create_function(zip_bytes=zip1)
        after_create = self.lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
        self.assertEqual(after_create - before, len(zip1))
        self.lam.publish_version(FunctionName=name)
        after_publish = self.lam.get_account_settings()["AccountUsage"]["TotalCodeSize"]
        self.assertEqual(after_publish - before, 2 * len(zip1))

    # -- Qualifiers ----------------------------------------------------------------------------

    def test_qualifier_forms_on_get(self):
        zip1 = code("v1")
        name, _, _ = self.create_function(zip_bytes=zip1)
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v2"))
        forms = [dict(FunctionName=name, Qualifier="1"), dict(FunctionName=name + ":1"),
                 dict(FunctionName=function_arn(name, "1")),
                 dict(FunctionName="000000000000:function:%s:1" % name),
                 dict(FunctionName=function_arn(name, "1"), Qualifier="1")]
        for kw in forms:
            g = self.lam.get_function(**kw)
            self.assertEqual(g["Configuration"]["Version"], "1", kw)
            self.assertEqual(g["Configuration"]["FunctionArn"], function_arn(name, "1"), kw)
            self.assertEqual(g["Configuration"]["CodeSha256"], sha256_b64(zip1), kw)
            c = self.lam.get_function_configuration(**kw)
            self.assertEqual(c["Version"], "1", kw)
        g = self.lam.get_function(FunctionName=name, Qualifier="$LATEST")
        self.assertEqual(g["Configuration"]["Version"], "$LATEST")
        self.assertEqual(g["Configuration"]["FunctionArn"], function_arn(name, "$LATEST"))
        self.assertEqual(g["Configuration"]["CodeSha256"], sha256_b64(code("v2")))
        # Raw HTTP with the qualifier in the query.
        r = self.server.http("GET", "/2015-03-31/functions/%s/configuration?Qualifier=1" % name)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["Version"], "1")

    def test_qualifier_errors(self):
        name, _, _ = self.create()
        self.lam.publish_version(FunctionName=name)
        derived = ("The derived qualifier from the function name does not match the specified "
                   "qualifier.")
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=name + ":1", Qualifier="2"),
                            "InvalidParameterValueException", 400, message=derived)
        self.assertAwsError(
            lambda: self.lam.get_function_configuration(FunctionName=function_arn(name, "1"),
                                                        Qualifier="$LATEST"),
            "InvalidParameterValueException", 400, message=derived)
        self.assertAwsError(
            lambda: self.lam.invoke(FunctionName=name + ":1", Qualifier="2"),
            "InvalidParameterValueException", 400, message=derived)
        for fn in (self.lam.get_function, self.lam.get_function_configuration):
            self.assertAwsError(lambda: fn(FunctionName=name, Qualifier="9"),
                                "ResourceNotFoundException", 404,
                                message="Function not found: " + function_arn(name, "9"))
            self.assertAwsError(lambda: fn(FunctionName=name, Qualifier="nosuchalias"),
                                "ResourceNotFoundException", 404,
                                message="Function not found: " + function_arn(name, "nosuchalias"))
            # Qualifiers are case-sensitive.
            self.assertAwsError(lambda: fn(FunctionName=name, Qualifier="$latest"),
                                "ResourceNotFoundException", 404)
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name, Qualifier="9"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name, "9"))
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name + ":9"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name, "9"))

    def test_alias_qualifier_on_get_and_invoke(self):
        name, _, _ = self.create("v1")
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v2"))
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
        for kw in (dict(FunctionName=name, Qualifier="prod"), dict(FunctionName=name + ":prod"),
                   dict(FunctionName=function_arn(name, "prod"))):
            c = self.lam.get_function_configuration(**kw)
            self.assertEqual(c["FunctionArn"], function_arn(name, "prod"), kw)
            self.assertEqual(c["Version"], "1", kw)
            self.assertEqual(c["CodeSha256"], sha256_b64(code("v1")), kw)
            g = self.lam.get_function(**kw)
            self.assertEqual(g["Configuration"]["FunctionArn"], function_arn(name, "prod"), kw)
            self.assertEqual(g["Configuration"]["Version"], "1", kw)
            r, body = self.invoke_tagged(kw["FunctionName"], **kw)
            self.assertEqual(r.executed_version, "1", kw)
            self.assertEqual(body["tag"], "v1", kw)
            self.assertEqual(body["version"], "1", kw)
            self.assertEqual(body["arn"], function_arn(name, "prod"), kw)
            self.assertIn("Version: 1\n", r.log)  # the executed version, never the alias
        # Raw HTTP: the header is there for a version and for $LATEST too.
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations?Qualifier=2" % name,
                             body=b"{}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Amz-Executed-Version"), "2")
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations?Qualifier=%%24LATEST"
                             % name, body=b"{}")
        self.assertEqual(r.header("X-Amz-Executed-Version"), "$LATEST")
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % name, body=b"{}")
        self.assertEqual(r.header("X-Amz-Executed-Version"), "$LATEST")
        # Event invocations answer without X-Amz-Executed-Version.
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations?Qualifier=1" % name,
                             body=b"{}", headers={"X-Amz-Invocation-Type": "Event"})
        self.assertEqual(r.status, 202, r)
        self.assertIsNone(r.header("X-Amz-Executed-Version"))

    # -- DeleteFunction with a qualifier --------------------------------------------------------

    def test_delete_one_version(self):
        name, _, _ = self.create("v1")
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v2"))
        self.lam.publish_version(FunctionName=name)
        d = self.lam.delete_function(FunctionName=name, Qualifier="1")
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.version_ids(name), ["$LATEST", "2"])
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=name, Qualifier="1"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name, "1"))
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name, Qualifier="1"),
                            "ResourceNotFoundException", 404)
        # The rest of the function is untouched.
        self.assertEqual(self.invoke_tagged(name, Qualifier="2")[1]["tag"], "v2")
        self.assertEqual(self.invoke_tagged(name)[1]["tag"], "v2")
        # The ARN form with a qualifier deletes a version too.
        self.lam.delete_function(FunctionName=function_arn(name, "2"))
        self.assertEqual(self.version_ids(name), ["$LATEST"])
        # Version numbers are never reused.
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v3"))
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "3")
        self.assertEqual(self.invoke_tagged(name, Qualifier="3")[1]["tag"], "v3")

    def test_delete_latest_or_alias_refused(self):
        name, _, _ = self.create()
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertAwsError(lambda: self.lam.delete_function(FunctionName=name, Qualifier="$LATEST"),
                            "InvalidParameterValueException", 400,
                            message="$LATEST version cannot be deleted without deleting the function.")
        self.assertAwsError(lambda: self.lam.delete_function(FunctionName=name + ":$LATEST"),
                            "InvalidParameterValueException", 400,
                            message="$LATEST version cannot be deleted without deleting the function.")
        self.assertAwsError(lambda: self.lam.delete_function(FunctionName=name, Qualifier="live"),
                            "InvalidParameterValueException", 400,
                            message="Deletion of aliases is not currently supported.")
        self.assertAwsError(lambda: self.lam.delete_function(FunctionName=function_arn(name, "live")),
                            "InvalidParameterValueException", 400,
                            message="Deletion of aliases is not currently supported.")
        # Nothing was deleted.
        self.assertEqual(self.version_ids(name), ["$LATEST", "1"])
        self.assertEqual(self.lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"], "1")
        self.assertEqual(self.invoke_tagged(name, Qualifier="live")[0].executed_version, "1")

    def test_delete_version_used_by_alias_conflicts(self):
        name, _, _ = self.create("v1")
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v2"))
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        # The alias's primary version and its weighted version are both protected.
        for v in ("1", "2"):
            self.assertAwsError(lambda: self.lam.delete_function(FunctionName=name, Qualifier=v),
                                "ResourceConflictException", 409)
        self.assertEqual(self.version_ids(name), ["$LATEST", "1", "2"])
        # Once the alias no longer points at it, the version can go.
        self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {}})
        self.lam.delete_function(FunctionName=name, Qualifier="2")
        self.assertEqual(self.version_ids(name), ["$LATEST", "1"])
        self.lam.delete_alias(FunctionName=name, Name="live")
        self.lam.delete_function(FunctionName=name, Qualifier="1")
        self.assertEqual(self.version_ids(name), ["$LATEST"])

    def test_delete_function_removes_versions_and_aliases(self):
        name, _, _ = self.create()
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.lam.delete_function(FunctionName=name)
        for kw in (dict(Qualifier="1"), dict(Qualifier="live"), dict()):
            self.assertAwsError(lambda: self.lam.get_function(FunctionName=name, **kw),
                                "ResourceNotFoundException", 404)
        self.assertAwsError(lambda: self.lam.get_alias(FunctionName=name, Name="live"),
                            "ResourceNotFoundException", 404)
        # A new function of the same name starts over at version 1 with no aliases.
        self.create_function(name=name, zip_bytes=code("again"))
        self.assertEqual(self.version_ids(name), ["$LATEST"])
        self.assertEqual(self.lam.list_aliases(FunctionName=name)["Aliases"], [])
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "1")
        self.assertEqual(self.invoke_tagged(name, Qualifier="1")[1]["tag"], "again")


class VersionsRestartTest(unittest.TestCase):
    """Versions and aliases are part of the durable state: after SIGTERM and after SIGKILL."""

    def setUp(self):
        self.server = StratusServer()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.lam = self.server.client()

    def invoke(self, name, **kw):
        r = InvokeResult(self.lam.invoke(FunctionName=name, Payload=b"{}", **kw))
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        return r.executed_version, r.json()["tag"]

    def check_survives(self, kill):
        name = unique_name("ver")
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Code={"ZipFile": code("v1")},
                                 Publish=True)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v2"), Publish=True)
        self.lam.update_function_code(FunctionName=name, ZipFile=code("v3"))
        self.lam.delete_function(FunctionName=name, Qualifier="1")
        self.lam.update_function_configuration(FunctionName=name,
                                               Environment={"Variables": {"MY_VAR": "x"}})
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "3")
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2",
                              Description="live one",
                              RoutingConfig={"AdditionalVersionWeights": {"3": 0.25}})
        self.lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
        before_versions = self.lam.list_versions_by_function(FunctionName=name)["Versions"]
        before_aliases = self.lam.list_aliases(FunctionName=name)["Aliases"]
        before_v2 = self.lam.get_function_configuration(FunctionName=name, Qualifier="2")
        before_v2.pop("ResponseMetadata")

        if kill:
            self.server.kill()
            self.server.proc = None
            self.server.start()
        else:
            rc = self.server.stop()
            self.assertFalse(self.server.last_stop_forced)
            self.assertEqual(rc, 0)
            self.server.proc = None
            self.server.start()
        self.lam = self.server.client()

        self.assertEqual(self.lam.list_versions_by_function(FunctionName=name)["Versions"],
                         before_versions)
        self.assertEqual(self.lam.list_aliases(FunctionName=name)["Aliases"], before_aliases)
        after_v2 = self.lam.get_function_configuration(FunctionName=name, Qualifier="2")
        after_v2.pop("ResponseMetadata")
        self.assertEqual(after_v2, before_v2)
        self.assertEqual(self.invoke(name, Qualifier="2"), ("2", "v2"))
        self.assertEqual(self.invoke(name, Qualifier="3"), ("3", "v3"))
        self.assertEqual(self.invoke(name), ("$LATEST", "v3"))
        self.assertEqual(self.invoke(name, Qualifier="edge"), ("$LATEST", "v3"))
        seen = set()
        for _ in range(200):
            seen.add(self.invoke(name, Qualifier="live"))
            if len(seen) == 2:
                break
        self.assertEqual(seen, {("2", "v2"), ("3", "v3")})
        self.assertVersionGone(name, "1")
        # Numbers are never reused, also across restarts.
        self.lam.update_function_configuration(FunctionName=name,
                                               Environment={"Variables": {"MY_VAR": "y"}})
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "4")

    def assertVersionGone(self, name, qualifier):
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function(FunctionName=name, Qualifier=qualifier)

    def test_versions_and_aliases_survive_sigterm(self):
        self.check_survives(kill=False)

    def test_versions_and_aliases_survive_sigkill(self):
        self.check_survives(kill=True)


if __name__ == "__main__":
    main()
