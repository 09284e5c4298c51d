#!/usr/bin/env python3
"""Control plane through boto3: Create/Get/GetConfiguration/List/Update/Delete, account settings,
tags, and the FunctionConfiguration shape (LAMBDA.md §1-§3, §12)."""
import os
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ROLE, TIMESTAMP_RE, StratusTestCase, function_arn, main,  # noqa: E402
                     make_zip, raw_request, sha256_b64, unique_name)

ECHO = "exports.handler = async (event) => event;\n"
CREATED_KEYS = {"FunctionName", "FunctionArn", "Runtime", "Role", "Handler", "CodeSize",
                "Description", "Timeout", "MemorySize", "LastModified", "CodeSha256", "Version",
                "TracingConfig", "RevisionId", "State", "StateReason", "StateReasonCode",
                "PackageType", "Architectures", "EphemeralStorage", "SnapStart",
                "LoggingConfig"}


def strip_meta(d):
    return {k: v for k, v in d.items() if k != "ResponseMetadata"}


class ControlPlaneTest(StratusTestCase):

    # -- CreateFunction ---------------------------------------------------------------------

    def test_create_function_shape(self):
        zip_bytes = make_zip({"index.js": ECHO})
        name, _, c = self.create_function(zip_bytes=zip_bytes)
        self.assertEqual(c["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertUuid(c["ResponseMetadata"]["RequestId"])
        self.assertTrue(CREATED_KEYS.issubset(c.keys()), CREATED_KEYS - set(c.keys()))
        self.assertEqual(c["FunctionName"], name)
        self.assertEqual(c["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:" + name)
        self.assertEqual(c["Runtime"], "nodejs20.x")
        self.assertEqual(c["Role"], ROLE)
        self.assertEqual(c["Handler"], "index.handler")
        self.assertEqual(c["CodeSize"], len(zip_bytes))
        self.assertEqual(c["CodeSha256"], sha256_b64(zip_bytes))
        self.assertEqual(c["Description"], "")
        self.assertEqual(c["Timeout"], 3)
        self.assertEqual(c["MemorySize"], 128)
        self.assertRegex(c["LastModified"], TIMESTAMP_RE)
        self.assertEqual(c["Version"], "$LATEST")
        self.assertEqual(c["TracingConfig"], {"Mode": "PassThrough"})
        self.assertUuid(c["RevisionId"])
        self.assertEqual(c["PackageType"], "Zip")
        self.assertEqual(c["Architectures"], ["x86_64"])
        self.assertEqual(c["EphemeralStorage"], {"Size": 512})
        self.assertEqual(c["SnapStart"], {"ApplyOn": "None", "OptimizationStatus": "Off"})
        self.assertEqual(c["LoggingConfig"], {"LogFormat": "Text", "LogGroup": "/aws/lambda/" + name})
        # Pending on create, as AWS answers it.
        self.assertEqual(c["State"], "Pending")
        self.assertEqual(c["StateReason"], "The function is being created.")
        self.assertEqual(c["StateReasonCode"], "Creating")
        self.assertNotIn("LastUpdateStatus", c)
        self.assertNotIn("Environment", c)  # omitted unless supplied
        self.assertNotIn("Layers", c)
        self.assertNotIn("DeadLetterConfig", c)
        self.assertNotIn("VpcConfig", c)

    def test_create_with_all_settings(self):
        name, _, c = self.create_function(
            Description="my fn", Timeout=42, MemorySize=512, runtime="nodejs22.x",
            handler="src/app.main", files={"src/app.js": "exports.main = async () => 'm';"},
            Environment={"Variables": {"AA": "1", "LONG_NAME_2": "two"}},
            Architectures=["arm64"], TracingConfig={"Mode": "Active"},
            EphemeralStorage={"Size": 1024})
        self.assertEqual(c["Description"], "my fn")
        self.assertEqual(c["Timeout"], 42)
        self.assertEqual(c["MemorySize"], 512)
        self.assertEqual(c["Runtime"], "nodejs22.x")
        self.assertEqual(c["Handler"], "src/app.main")
        self.assertEqual(c["Environment"], {"Variables": {"AA": "1", "LONG_NAME_2": "two"}})
        self.assertEqual(c["Architectures"], ["arm64"])
        self.assertEqual(c["TracingConfig"], {"Mode": "Active"})
        self.assertEqual(c["EphemeralStorage"], {"Size": 1024})
        g = self.lam.get_function_configuration(FunctionName=name)
        for k in ("Description", "Timeout", "MemorySize", "Runtime", "Handler", "Environment",
                  "Architectures", "TracingConfig", "EphemeralStorage"):
            self.assertEqual(g[k], c[k], k)
        self.assertEqual(self.invoke_ok(name), "m")

    def test_empty_environment_is_shown(self):
        name, _, c = self.create_function(Environment={"Variables": {}})
        self.assertEqual(c["Environment"], {"Variables": {}})
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["Environment"], {"Variables": {}})

    def test_every_supported_runtime(self):
        for rt in ("nodejs18.x", "nodejs20.x", "nodejs22.x"):
            name, _, c = self.create_function(runtime=rt, source="exports.handler = async () => process.env.AWS_EXECUTION_ENV;")
            self.assertEqual(c["Runtime"], rt)
            self.assertEqual(self.invoke_ok(name), "AWS_Lambda_" + rt)

    def test_active_after_create(self):
        name, _, c = self.create_function()
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(g["State"], "Active")
        self.assertEqual(g["LastUpdateStatus"], "Successful")
        for absent in ("StateReason", "StateReasonCode", "LastUpdateStatusReason",
                       "LastUpdateStatusReasonCode"):
            self.assertNotIn(absent, g)
        # RevisionId changes with the state transition (create response != first Get, obs.).
        self.assertUuid(g["RevisionId"])
        self.assertNotEqual(g["RevisionId"], c["RevisionId"])
        # Same fields otherwise.
        for k in ("FunctionName", "FunctionArn", "CodeSha256", "CodeSize", "LastModified",
                  "Timeout", "MemorySize", "Version", "Handler", "Runtime", "Role"):
            self.assertEqual(g[k], c[k], k)
        self.assertIn("RuntimeVersionArn", g["RuntimeVersionConfig"])
        self.assertRegex(g["RuntimeVersionConfig"]["RuntimeVersionArn"],
                         r"^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$")
        # A second Get has the same (stable) revision.
        g2 = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g2["RevisionId"], g["RevisionId"])

    def test_waiters(self):
        name, _, _ = self.create_function()
        t0 = time.monotonic()
        self.lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        self.lam.get_waiter("function_exists").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        self.lam.update_function_configuration(FunctionName=name, Timeout=5)
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        self.assertLess(time.monotonic() - t0, 10)

    def test_create_duplicate_conflicts(self):
        name, _, _ = self.create_function()
        self.assertAwsError(lambda: self.create_function(name=name, cleanup=False),
                            "ResourceConflictException", 409,
                            message="Function already exist: " + name)

    # -- GetFunction ------------------------------------------------------------------------

    def test_get_function_and_code_location(self):
        zip_bytes = make_zip({"index.js": ECHO, "lib/data.json": '{"x": 1}'})
        name, _, _ = self.create_function(zip_bytes=zip_bytes)
        g = self.lam.get_function(FunctionName=name)
        self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 200)
        conf = g["Configuration"]
        self.assertEqual(conf, strip_meta(self.lam.get_function_configuration(FunctionName=name)))
        self.assertEqual(conf["State"], "Active")
        self.assertEqual(g["Code"]["RepositoryType"], "S3")
        self.assertNotIn("Tags", g)  # only if any
        loc = urllib.parse.urlsplit(g["Code"]["Location"])
        self.assertEqual(loc.scheme, "http")
        self.assertEqual(loc.hostname, "127.0.0.1")
        self.assertEqual(loc.port, self.server.port)
        path = loc.path + ("?" + loc.query if loc.query else "")
        r = raw_request(self.server.port, "GET", path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, zip_bytes)
        self.assertEqual(sha256_b64(r.body), conf["CodeSha256"])

    def test_get_function_by_every_name_form(self):
        name, _, _ = self.create_function()
        forms = [name, function_arn(name), "000000000000:function:" + name,
                 function_arn(name, "$LATEST"), name + ":$LATEST"]
        for form in forms:
            g = self.lam.get_function_configuration(FunctionName=form)
            self.assertEqual(g["FunctionName"], name, form)
        g = self.lam.get_function(FunctionName=name, Qualifier="$LATEST")
        self.assertEqual(g["Configuration"]["Version"], "$LATEST")
        # Percent-encoded ARN in the path, as botocore sends it, and the raw ':' form.
        enc = urllib.parse.quote(function_arn(name), safe="-._~")
        r = self.server.http("GET", "/2015-03-31/functions/%s/configuration" % enc)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["FunctionName"], name)
        self.assertEqual(r.header("content-type").split(";")[0], "application/json")
        self.assertUuid(r.header("x-amzn-RequestId"))
        r = self.server.http("GET", "/2015-03-31/functions/%s?Qualifier=%%24LATEST" % name)
        self.assertEqual(r.status, 200, r)

    def test_get_missing_function(self):
        name = unique_name("missing")
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=name),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name))
        self.assertAwsError(lambda: self.lam.get_function_configuration(FunctionName=name),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name))
        # With a qualifier the ARN in the message is qualified.
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=name, Qualifier="7"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name, "7"))

    def test_code_location_unknown_hash_is_404(self):
        r = self.server.http("GET", "/_stratus/code/" + "0" * 64 + ".zip")
        self.assertEqual(r.status, 404, r)
        r = self.server.http("GET", "/_stratus/code/..%2F..%2Fstratus.db")
        self.assertEqual(r.status, 404, r)

    # -- UpdateFunctionConfiguration --------------------------------------------------------

    def test_update_function_configuration(self):
        name, _, c = self.create_function(files={"index.js": ECHO, "other.js": "exports.h = async () => 'other';"})
        before = self.lam.get_function_configuration(FunctionName=name)
        time.sleep(0.01)
        u = self.lam.update_function_configuration(
            FunctionName=name, Handler="other.h", Runtime="nodejs22.x", Timeout=30,
            MemorySize=1024, Environment={"Variables": {"COLOR": "blue"}}, Description="updated")
        self.assertEqual(u["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(u["Handler"], "other.h")
        self.assertEqual(u["Runtime"], "nodejs22.x")
        self.assertEqual(u["Timeout"], 30)
        self.assertEqual(u["MemorySize"], 1024)
        self.assertEqual(u["Environment"], {"Variables": {"COLOR": "blue"}})
        self.assertEqual(u["Description"], "updated")
        self.assertEqual(u["State"], "Active")
        self.assertEqual(u["LastUpdateStatus"], "InProgress")
        self.assertEqual(u["LastUpdateStatusReason"], "The function is being created.")
        self.assertEqual(u["LastUpdateStatusReasonCode"], "Creating")
        self.assertEqual(u["CodeSha256"], c["CodeSha256"])
        self.assertNotEqual(u["RevisionId"], before["RevisionId"])
        self.assertGreaterEqual(u["LastModified"], before["LastModified"])
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["LastUpdateStatus"], "Successful")
        self.assertNotIn("LastUpdateStatusReason", g)
        for k in ("Handler", "Runtime", "Timeout", "MemorySize", "Environment", "Description"):
            self.assertEqual(g[k], u[k], k)
        self.assertEqual(self.invoke_ok(name), "other")
        # Partial update keeps everything else.
        u2 = self.lam.update_function_configuration(FunctionName=name, Timeout=7)
        self.assertEqual(u2["Timeout"], 7)
        self.assertEqual(u2["MemorySize"], 1024)
        self.assertEqual(u2["Environment"], {"Variables": {"COLOR": "blue"}})
        self.assertEqual(u2["Description"], "updated")

    def test_update_configuration_revision_id(self):
        name, _, _ = self.create_function()
        g = self.lam.get_function_configuration(FunctionName=name)
        u = self.lam.update_function_configuration(FunctionName=name, Description="a",
                                                   RevisionId=g["RevisionId"])
        self.assertEqual(u["Description"], "a")
        msg = ("The Revision Id provided does not match the latest Revision Id. Call the "
               "GetFunction/GetAlias API to retrieve the latest Revision Id")
        self.assertAwsError(lambda: self.lam.update_function_configuration(
            FunctionName=name, Description="b", RevisionId=g["RevisionId"]),
            "PreconditionFailedException", 412, message=msg)
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["Description"], "a")

    def test_update_configuration_missing_function(self):
        name = unique_name("missing")
        self.assertAwsError(lambda: self.lam.update_function_configuration(FunctionName=name, Timeout=5),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name))

    # -- UpdateFunctionCode -----------------------------------------------------------------

    def test_update_function_code(self):
        old_zip = make_zip({"index.js": "exports.handler = async () => 'v1';"})
        new_zip = make_zip({"index.js": "exports.handler = async () => 'v2';"})
        name, _, c = self.create_function(zip_bytes=old_zip)
        self.assertEqual(self.invoke_ok(name), "v1")
        before = self.lam.get_function_configuration(FunctionName=name)
        u = self.lam.update_function_code(FunctionName=name, ZipFile=new_zip)
        self.assertEqual(u["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(u["CodeSha256"], sha256_b64(new_zip))
        self.assertEqual(u["CodeSize"], len(new_zip))
        self.assertEqual(u["State"], "Active")
        self.assertEqual(u["LastUpdateStatus"], "InProgress")
        self.assertNotEqual(u["RevisionId"], before["RevisionId"])
        self.assertEqual(u["Timeout"], 3)
        g = self.lam.get_function(FunctionName=name)
        self.assertEqual(g["Configuration"]["CodeSha256"], sha256_b64(new_zip))
        self.assertEqual(g["Configuration"]["LastUpdateStatus"], "Successful")
        loc = urllib.parse.urlsplit(g["Code"]["Location"])
        r = raw_request(self.server.port, "GET", loc.path + ("?" + loc.query if loc.query else ""))
        self.assertEqual(r.body, new_zip)
        self.assertEqual(self.invoke_ok(name), "v2")

    def test_update_code_dry_run_changes_nothing(self):
        old_zip = make_zip({"index.js": "exports.handler = async () => 'v1';"})
        new_zip = make_zip({"index.js": "exports.handler = async () => 'dry';"})
        name, _, _ = self.create_function(zip_bytes=old_zip)
        u = self.lam.update_function_code(FunctionName=name, ZipFile=new_zip, DryRun=True)
        self.assertEqual(u["CodeSha256"], sha256_b64(new_zip))
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["CodeSha256"], sha256_b64(old_zip))
        self.assertEqual(self.invoke_ok(name), "v1")

    def test_update_code_bad_zip_keeps_old_code(self):
        name, zip_bytes, _ = self.create_function()
        self.assertAwsError(lambda: self.lam.update_function_code(FunctionName=name, ZipFile=b"not a zip"),
                            "InvalidParameterValueException", 400,
                            message="Could not unzip uploaded file. Please check your file, then try to upload again.")
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["CodeSha256"], sha256_b64(zip_bytes))

    def test_update_code_missing_function(self):
        name = unique_name("missing")
        self.assertAwsError(lambda: self.lam.update_function_code(FunctionName=name, ZipFile=make_zip({"index.js": ECHO})),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name))

    # -- DeleteFunction ---------------------------------------------------------------------

    def test_delete_function(self):
        name, _, _ = self.create_function(cleanup=False)
        d = self.lam.delete_function(FunctionName=name)
        self.assertIn(d["ResponseMetadata"]["HTTPStatusCode"], (200, 204))
        r_missing = "Function not found: " + function_arn(name)
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=name),
                            "ResourceNotFoundException", 404, message=r_missing)
        self.assertAwsError(lambda: self.lam.delete_function(FunctionName=name),
                            "ResourceNotFoundException", 404, message=r_missing)
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name, "$LATEST"))
        names = [f["FunctionName"] for f in self.list_all()]
        self.assertNotIn(name, names)
        # The name is free again.
        self.create_function(name=name, source="exports.handler = async () => 'again';")
        self.assertEqual(self.invoke_ok(name), "again")

    def test_delete_raw_status_is_204(self):
        name, _, _ = self.create_function(cleanup=False)
        r = self.server.http("DELETE", "/2015-03-31/functions/" + name)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")

    def test_delete_by_arn(self):
        name, _, _ = self.create_function(cleanup=False)
        self.lam.delete_function(FunctionName=function_arn(name))
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=name),
                            "ResourceNotFoundException", 404)

    def test_delete_latest_qualifier_refused(self):
        name, _, _ = self.create_function()
        self.assertAwsError(lambda: self.lam.delete_function(FunctionName=name, Qualifier="$LATEST"),
                            "InvalidParameterValueException", 400,
                            message="$LATEST version cannot be deleted without deleting the function.")
        self.lam.get_function(FunctionName=name)

    # -- ListFunctions (shape; pagination is in ListFunctionsTest) -------------------------

    def list_all(self, **kw):
        out, marker = [], None
        for _ in range(1000):
            params = dict(kw)
            if marker:
                params["Marker"] = marker
            page = self.lam.list_functions(**params)
            out.extend(page["Functions"])
            marker = page.get("NextMarker")
            if not marker:
                return out
        self.fail("ListFunctions never ended")

    def test_list_functions_shape(self):
        name, zip_bytes, _ = self.create_function(Environment={"Variables": {"KK": "v"}})
        listed = {f["FunctionName"]: f for f in self.list_all()}
        self.assertIn(name, listed)
        f = listed[name]
        self.assertEqual(f["FunctionArn"], function_arn(name))
        self.assertEqual(f["Version"], "$LATEST")
        self.assertEqual(f["CodeSha256"], sha256_b64(zip_bytes))
        self.assertEqual(f["CodeSize"], len(zip_bytes))
        self.assertEqual(f["Environment"], {"Variables": {"KK": "v"}})
        self.assertEqual(f["Timeout"], 3)
        self.assertEqual(f["MemorySize"], 128)
        # List outputs omit State*, LastUpdateStatus*, RuntimeVersionConfig (obs.).
        for absent in ("State", "StateReason", "LastUpdateStatus", "RuntimeVersionConfig"):
            self.assertNotIn(absent, f)

    def test_list_functions_all_versions(self):
        name, _, _ = self.create_function()
        page = self.list_all(FunctionVersion="ALL")
        mine = [f for f in page if f["FunctionName"] == name]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["FunctionArn"], function_arn(name, "$LATEST"))

    def test_list_functions_trailing_slash(self):
        r = self.server.http("GET", "/2015-03-31/functions/")
        self.assertEqual(r.status, 200, r)
        self.assertIn("Functions", r.json())

    # -- Tags -------------------------------------------------------------------------------

    def test_tags_lifecycle(self):
        name, _, _ = self.create_function(Tags={"team": "core", "env": "dev"})
        arn = function_arn(name)
        g = self.lam.get_function(FunctionName=name)
        self.assertEqual(g["Tags"], {"team": "core", "env": "dev"})
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"team": "core", "env": "dev"})
        t = self.lam.tag_resource(Resource=arn, Tags={"env": "prod", "owner": "me"})
        self.assertIn(t["ResponseMetadata"]["HTTPStatusCode"], (200, 204))
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"],
                         {"team": "core", "env": "prod", "owner": "me"})
        u = self.lam.untag_resource(Resource=arn, TagKeys=["team", "nope"])
        self.assertIn(u["ResponseMetadata"]["HTTPStatusCode"], (200, 204))
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"env": "prod", "owner": "me"})
        self.lam.untag_resource(Resource=arn, TagKeys=["env", "owner"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {})
        self.assertNotIn("Tags", self.lam.get_function(FunctionName=name))
        # Raw statuses: Tag/Untag answer 204.
        enc = urllib.parse.quote(arn, safe="-._~")
        r = self.server.http("POST", "/2017-03-31/tags/" + enc, body='{"Tags":{"a":"b"}}',
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 204, r)
        r = self.server.http("DELETE", "/2017-03-31/tags/%s?tagKeys=a" % enc)
        self.assertEqual(r.status, 204, r)
        r = self.server.http("GET", "/2017-03-31/tags/" + enc)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"Tags": {}})

    def test_tag_errors(self):
        name, _, _ = self.create_function()
        arn = function_arn(name)
        self.assertAwsError(lambda: self.lam.tag_resource(Resource=function_arn(name, "$LATEST"), Tags={"a": "b"}),
                            "InvalidParameterValueException", 400,
                            message="Tags on function aliases and versions are not supported. Please specify a function ARN.")
        self.assertAwsError(lambda: self.lam.tag_resource(Resource=arn, Tags={}),
                            "InvalidParameterValueException", 400,
                            message="An error occurred and the request cannot be processed.")
        too_many = {"k%d" % i: "v" for i in range(51)}
        self.assertAwsError(lambda: self.lam.tag_resource(Resource=arn, Tags=too_many),
                            "InvalidParameterValueException", 400,
                            message="Number of tags exceeds resource tag limit.")
        self.lam.tag_resource(Resource=arn, Tags={"k%d" % i: "v" for i in range(50)})
        self.assertAwsError(lambda: self.lam.tag_resource(Resource=arn, Tags={"one-more": "v"}),
                            "InvalidParameterValueException", 400,
                            message="Number of tags exceeds resource tag limit.")
        self.assertEqual(len(self.lam.list_tags(Resource=arn)["Tags"]), 50)
        missing = function_arn(unique_name("missing"))
        self.assertAwsError(lambda: self.lam.list_tags(Resource=missing),
                            "ResourceNotFoundException", 404)
        self.assertAwsError(lambda: self.lam.tag_resource(Resource=missing, Tags={"a": "b"}),
                            "ResourceNotFoundException", 404)
        # UntagResource without tagKeys is a model violation.
        enc = urllib.parse.quote(arn, safe="-._~")
        r = self.server.http("DELETE", "/2017-03-31/tags/" + enc)
        self.assertRawError(r, 400, "ValidationException")


class FreshServerTest(StratusTestCase):
    """Exact counts need a server of our own: ListFunctions pagination and account usage."""

    N = 53

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.zip_bytes = make_zip({"index.js": ECHO})
        cls.names = sorted("page-%03d-%s" % (i, unique_name("f")) for i in range(cls.N))
        for n in cls.names:
            cls.lam.create_function(FunctionName=n, Runtime="nodejs20.x", Role=ROLE,
                                    Handler="index.handler", Code={"ZipFile": cls.zip_bytes})

    def test_account_settings(self):
        s = self.lam.get_account_settings()
        self.assertEqual(s["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(s["AccountLimit"], {
            "TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800, "ConcurrentExecutions": 1000,
            "UnreservedConcurrentExecutions": 1000})
        self.assertEqual(s["AccountUsage"]["FunctionCount"], self.N)
        self.assertEqual(s["AccountUsage"]["TotalCodeSize"], self.N * len(self.zip_bytes))
        r = self.server.http("GET", "/2016-08-19/account-settings/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["AccountUsage"]["FunctionCount"], self.N)

    def test_list_default_page_is_at_most_50(self):
        first = self.lam.list_functions()
        self.assertEqual(len(first["Functions"]), 50)
        self.assertIn("NextMarker", first)
        second = self.lam.list_functions(Marker=first["NextMarker"])
        self.assertEqual(len(second["Functions"]), self.N - 50)
        self.assertNotIn("NextMarker", second)
        names = [f["FunctionName"] for f in first["Functions"] + second["Functions"]]
        self.assertEqual(sorted(names), self.names)
        # MaxItems above 50 still gives at most 50.
        big = self.lam.list_functions(MaxItems=1000)
        self.assertEqual(len(big["Functions"]), 50)
        self.assertIn("NextMarker", big)

    def test_list_with_max_items_pages(self):
        seen, marker, pages = [], None, 0
        for _ in range(100):
            kw = {"MaxItems": 7}
            if marker:
                kw["Marker"] = marker
            page = self.lam.list_functions(**kw)
            pages += 1
            self.assertLessEqual(len(page["Functions"]), 7)
            seen.extend(f["FunctionName"] for f in page["Functions"])
            marker = page.get("NextMarker")
            if not marker:
                break
        self.assertEqual(pages, (self.N + 6) // 7)
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(sorted(seen), self.names)

    def test_list_paginator(self):
        pages = list(self.lam.get_paginator("list_functions").paginate(
            PaginationConfig={"PageSize": 10, "MaxItems": 1000}))
        names = [f["FunctionName"] for p in pages for f in p["Functions"]]
        self.assertEqual(sorted(names), self.names)
        self.assertEqual(len(pages), 6)

    def test_list_max_items_validation(self):
        for bad in ("0", "-1", "10001"):
            r = self.server.http("GET", "/2015-03-31/functions?MaxItems=" + bad)
            self.assertRawError(r, 400, "ValidationException")
        # Not an integer at all: a malformed query member (Smithy's restJson1 rule, as for
        # bodies: request_decoder.h).
        r = self.server.http("GET", "/2015-03-31/functions?MaxItems=abc")
        self.assertRawError(r, 400, "SerializationException")


if __name__ == "__main__":
    main()
