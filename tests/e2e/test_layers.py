"""Layers end to end: PublishLayerVersion and friends with boto3 and the AWS CLI, Layers on
functions, /opt merged in order for node, python and custom runtimes, imported layers of other
accounts, refused zips, and durability across SIGKILL.

    STRATUS_BIN=build/stratus python3 tests/e2e/test_layers.py [-k pattern]
"""
import os
import random
import shutil
import subprocess
import tempfile

from harness import (CLI_TIMEOUT_S, REGION, ROLE, TIMESTAMP_RE, ClientError, StratusTestCase,
                     aws_cli_executable, main, make_zip, sha256_b64, unique_name, zip_bomb_300mb,
                     zipfile, io, stat, _FIXED_DATE, STRATUS_BIN)

LAYER_PREFIX = "arn:aws:lambda:us-east-1:000000000000:layer:"
NO_SUCH = "The resource you requested does not exist."

# Reads files under /opt, requires a module by name: what a function sees of its layers.
NODE_READER = r"""
const fs = require('fs');
exports.handler = async (event) => {
  const out = {};
  for (const f of event.files || []) {
    try { out[f] = fs.readFileSync(f, 'utf8'); } catch (e) { out[f] = 'missing: ' + e.code; }
  }
  for (const m of event.modules || []) {
    try { out[m] = require(m)(); } catch (e) { out[m] = 'missing: ' + e.code; }
  }
  out.major = process.versions.node.split('.')[0];
  out.NODE_PATH = process.env.NODE_PATH;
  out.PATH = process.env.PATH;
  out.LD_LIBRARY_PATH = process.env.LD_LIBRARY_PATH;
  return out;
};
"""

PYTHON_READER = r"""
import sys

def handler(event, context):
    import fromopt
    import sitepkg
    return {"fromopt": fromopt.WHERE, "sitepkg": sitepkg.WHERE,
            "running": "%d.%d" % sys.version_info[:2],
            "path": [p for p in sys.path if p.startswith("/opt")]}
"""

# A custom runtime on curl whose bootstrap comes from a layer (LAMBDA.md §8).
LAYER_BOOTSTRAP = r"""#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
echo "bootstrap from the layer, handler ${_HANDLER}"
while true; do
  EVENT=$(curl -sS -D /tmp/headers "$API/invocation/next")
  REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d: -f2 | tr -d ' \r\n')
  printf '{"from":"opt","task":"%s"}' "$(cat /var/task/data.txt)" > /tmp/response
  curl -sS -o /dev/null -X POST --data-binary @/tmp/response "$API/invocation/${REQUEST_ID}/response"
done
"""


def padded_zip(name, mib):
    """One entry of `mib` MiB that deflates about 500:1 (below the bomb ratio): each MiB is
    1 KiB of random bytes and zeros."""
    rnd = random.Random(mib)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.create_system = 3
        zi.external_attr = (stat.S_IFREG | 0o644) << 16
        with z.open(zi, "w", force_zip64=True) as f:
            zeros = b"\0" * ((1 << 20) - 1024)
            for _ in range(mib):
                f.write(bytes(rnd.getrandbits(8) for _ in range(1024)))
                f.write(zeros)
    return buf.getvalue()


class LayersTest(StratusTestCase):

    def publish(self, name=None, files=None, zip_bytes=None, **kwargs):
        name = name or unique_name("layer")
        if zip_bytes is None:
            zip_bytes = make_zip(files or {"a.txt": name})
        r = self.lam.publish_layer_version(LayerName=name, Content={"ZipFile": zip_bytes}, **kwargs)
        return name, r

    def node_function(self, layers, **kwargs):
        name, _, resp = self.create_function(source=NODE_READER, Layers=layers, **kwargs)
        return name, resp

    # -- the API --------------------------------------------------------------------------------

    def test_publish_get_and_shapes(self):
        zip_bytes = make_zip({"nodejs/node_modules/x/index.js": "module.exports = 1;\n"})
        name, r = self.publish(zip_bytes=zip_bytes, Description="shared code",
                               CompatibleRuntimes=["nodejs20.x", "python3.12"],
                               CompatibleArchitectures=["x86_64"], LicenseInfo="MIT")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(r["LayerArn"], LAYER_PREFIX + name)
        self.assertEqual(r["LayerVersionArn"], LAYER_PREFIX + name + ":1")
        self.assertEqual(r["Version"], 1)
        self.assertEqual(r["Description"], "shared code")
        self.assertEqual(r["LicenseInfo"], "MIT")
        self.assertEqual(r["CompatibleRuntimes"], ["nodejs20.x", "python3.12"])
        self.assertEqual(r["CompatibleArchitectures"], ["x86_64"])
        self.assertRegex(r["CreatedDate"], TIMESTAMP_RE)
        self.assertEqual(r["Content"]["CodeSha256"], sha256_b64(zip_bytes))
        self.assertEqual(r["Content"]["CodeSize"], len(zip_bytes))
        # Content.Location serves the zip itself.
        path = r["Content"]["Location"].split(str(self.server.port), 1)[1]
        self.assertEqual(self.server.http("GET", path).body, zip_bytes)

        g = self.lam.get_layer_version(LayerName=name, VersionNumber=1)
        by_arn = self.lam.get_layer_version_by_arn(Arn=r["LayerVersionArn"])
        by_layer_arn = self.lam.get_layer_version(LayerName=r["LayerArn"], VersionNumber=1)
        for got in (g, by_arn, by_layer_arn):
            for key in ("LayerArn", "LayerVersionArn", "Version", "Description", "CreatedDate",
                        "CompatibleRuntimes", "LicenseInfo", "CompatibleArchitectures"):
                self.assertEqual(got[key], r[key], key)
            self.assertEqual(got["Content"]["CodeSha256"], r["Content"]["CodeSha256"])

    def test_versions_are_never_reused(self):
        name, _ = self.publish()
        self.publish(name)
        self.lam.delete_layer_version(LayerName=name, VersionNumber=2)
        _, r3 = self.publish(name)
        self.assertEqual(r3["Version"], 3)
        for v in (1, 3):
            self.lam.delete_layer_version(LayerName=name, VersionNumber=v)
        # Deleting what is gone succeeds, as in Lambda.
        self.lam.delete_layer_version(LayerName=name, VersionNumber=3)
        self.assertEqual(self.lam.list_layer_versions(LayerName=name)["LayerVersions"], [])
        self.assertNotIn(name, [l["LayerName"] for l in self.lam.list_layers()["Layers"]])
        _, r4 = self.publish(name)
        self.assertEqual(r4["Version"], 4)
        self.assertAwsError(lambda: self.lam.get_layer_version(LayerName=name, VersionNumber=2),
                            "ResourceNotFoundException", 404, NO_SUCH)

    def test_list_pagination_and_filters(self):
        name = unique_name("paged")
        runtimes = [["nodejs20.x"], ["python3.12"], ["nodejs20.x", "python3.12"], None, ["nodejs20.x"]]
        for i, rt in enumerate(runtimes):
            kwargs = {"CompatibleRuntimes": rt} if rt else {}
            if i == 1:
                kwargs["CompatibleArchitectures"] = ["arm64"]
            self.publish(name, **kwargs)
        every = self.lam.list_layer_versions(LayerName=name)["LayerVersions"]
        self.assertEqual([v["Version"] for v in every], [5, 4, 3, 2, 1])  # newest first
        node = self.lam.list_layer_versions(LayerName=name, CompatibleRuntime="nodejs20.x")
        self.assertEqual([v["Version"] for v in node["LayerVersions"]], [5, 3, 1])
        arm = self.lam.list_layer_versions(LayerName=name, CompatibleArchitecture="arm64")
        self.assertEqual([v["Version"] for v in arm["LayerVersions"]], [2])
        # Marker / MaxItems, one at a time.
        seen, marker = [], None
        for _ in range(10):
            kwargs = {"Marker": marker} if marker else {}
            page = self.lam.list_layer_versions(LayerName=name, MaxItems=2, **kwargs)
            self.assertLessEqual(len(page["LayerVersions"]), 2)
            seen += [v["Version"] for v in page["LayerVersions"]]
            marker = page.get("NextMarker")
            if not marker:
                break
        self.assertEqual(seen, [5, 4, 3, 2, 1])
        # The paginator agrees.
        pages = self.lam.get_paginator("list_layer_versions").paginate(
            LayerName=name, PaginationConfig={"PageSize": 2})
        self.assertEqual([v["Version"] for p in pages for v in p["LayerVersions"]], [5, 4, 3, 2, 1])
        # ListLayers: the newest version that passes the filter.
        layers = {l["LayerName"]: l for l in self.lam.list_layers()["Layers"]}
        self.assertEqual(layers[name]["LatestMatchingVersion"]["Version"], 5)
        self.assertEqual(layers[name]["LayerArn"], LAYER_PREFIX + name)
        py = {l["LayerName"]: l for l in self.lam.list_layers(CompatibleRuntime="python3.12")["Layers"]}
        self.assertEqual(py[name]["LatestMatchingVersion"]["Version"], 3)
        arm_layers = self.lam.list_layers(CompatibleArchitecture="arm64")["Layers"]
        self.assertEqual([l["LatestMatchingVersion"]["Version"] for l in arm_layers if l["LayerName"] == name], [2])
        all_names = []
        for p in self.lam.get_paginator("list_layers").paginate(PaginationConfig={"PageSize": 1}):
            self.assertLessEqual(len(p["Layers"]), 1)
            all_names += [l["LayerName"] for l in p["Layers"]]
        self.assertIn(name, all_names)
        self.assertEqual(len(all_names), len(set(all_names)))

    def test_api_errors(self):
        name, r = self.publish()
        self.assertAwsError(lambda: self.lam.get_layer_version(LayerName=name, VersionNumber=7),
                            "ResourceNotFoundException", 404, NO_SUCH)
        self.assertAwsError(lambda: self.lam.get_layer_version(LayerName="nope-" + name, VersionNumber=1),
                            "ResourceNotFoundException", 404, NO_SUCH)
        self.assertAwsError(lambda: self.lam_nv.get_layer_version(LayerName=name, VersionNumber=0),
                            "InvalidParameterValueException", 400, "Layer Version Cannot be less than 1")
        self.assertAwsError(
            lambda: self.lam.get_layer_version_by_arn(Arn=LAYER_PREFIX + "nope-" + name + ":1"),
            "ResourceNotFoundException", 404, NO_SUCH)
        self.assertAwsError(lambda: self.lam_nv.get_layer_version_by_arn(Arn=LAYER_PREFIX + name),
                            "ValidationException", 400)
        self.assertAwsError(
            lambda: self.lam.publish_layer_version(LayerName=name, Content={"S3Bucket": "my-bucket", "S3Key": "layer.zip"}),
            "InvalidParameterValueException", 400, message_prefix="Stratus has no S3")
        self.assertAwsError(
            lambda: self.lam_nv.publish_layer_version(LayerName=name, Content={"ZipFile": b"zip"},
                                                      CompatibleRuntimes=["cobol1.0"]),
            "ValidationException", 400)
        self.assertAwsError(lambda: self.lam_nv.list_layers(CompatibleRuntime="cobol1.0"),
                            "ValidationException", 400)
        # Policies.
        self.assertAwsError(lambda: self.lam.get_layer_version_policy(LayerName=name, VersionNumber=1),
                            "ResourceNotFoundException", 404, "No policy is associated with the given resource.")
        missing = LAYER_PREFIX + name + ":9"
        self.assertAwsError(
            lambda: self.lam.add_layer_version_permission(
                LayerName=name, VersionNumber=9, StatementId="s", Action="lambda:GetLayerVersion",
                Principal="*"),
            "ResourceNotFoundException", 404, "Layer version %s does not exist." % missing)
        added = self.lam.add_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="everyone", Action="lambda:GetLayerVersion",
            Principal="*")
        self.assertEqual(added["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(added["Statement"],
                         '{"Sid":"everyone","Effect":"Allow","Principal":"*","Action":'
                         '"lambda:GetLayerVersion","Resource":"%s:1"}' % r["LayerArn"])
        self.assertAwsError(
            lambda: self.lam.add_layer_version_permission(
                LayerName=name, VersionNumber=1, StatementId="everyone",
                Action="lambda:GetLayerVersion", Principal="*"),
            "ResourceConflictException", 409,
            "The statement id (everyone) provided already exists. Please provide a new statement "
            "id, or remove the existing statement.")
        self.assertAwsError(
            lambda: self.lam.add_layer_version_permission(
                LayerName=name, VersionNumber=1, StatementId="other", Action="lambda:GetLayerVersion",
                Principal="123456789012", RevisionId="not-the-revision"),
            "PreconditionFailedException", 412,
            "The Revision Id provided does not match the latest Revision Id. Call the "
            "GetLayerPolicy API to retrieve the latest Revision Id")
        self.assertAwsError(
            lambda: self.lam_nv.add_layer_version_permission(
                LayerName=name, VersionNumber=1, StatementId="bad", Action="lambda:InvokeFunction",
                Principal="*"),
            "ValidationException", 400)
        org = self.lam.add_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="org", Action="lambda:GetLayerVersion",
            Principal="123456789012", OrganizationId="o-abcdefghij", RevisionId=added["RevisionId"])
        self.assertNotEqual(org["RevisionId"], added["RevisionId"])
        policy = self.lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
        self.assertEqual(policy["RevisionId"], org["RevisionId"])
        doc = __import__("json").loads(policy["Policy"])
        self.assertEqual(doc["Version"], "2012-10-17")
        self.assertEqual(doc["Id"], "default")
        by_sid = {s["Sid"]: s for s in doc["Statement"]}
        self.assertEqual(by_sid["org"]["Principal"], {"AWS": "arn:aws:iam::123456789012:root"})
        self.assertEqual(by_sid["org"]["Condition"],
                         {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}})
        self.assertAwsError(
            lambda: self.lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="ghost"),
            "ResourceNotFoundException", 404, "Statement ghost is not found in resource policy.")
        self.lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="org")
        doc = __import__("json").loads(self.lam.get_layer_version_policy(LayerName=name, VersionNumber=1)["Policy"])
        self.assertEqual([s["Sid"] for s in doc["Statement"]], ["everyone"])

    def test_function_layer_errors(self):
        name, r = self.publish()
        arn = r["LayerVersionArn"]
        missing = LAYER_PREFIX + name + ":5"
        self.assertAwsError(lambda: self.node_function([missing]), "InvalidParameterValueException",
                            400, "Layer version %s does not exist." % missing)
        self.assertAwsError(lambda: self.node_function([LAYER_PREFIX + name]), "ValidationException", 400)
        self.assertAwsError(lambda: self.node_function([arn] * 6), "InvalidParameterValueException",
                            400, "Cannot reference more than 5 layers.")
        _, r2 = self.publish(name)
        self.assertAwsError(
            lambda: self.node_function([arn, r2["LayerVersionArn"]]), "InvalidParameterValueException", 400,
            "Two different versions of the same layer are not allowed to be referenced in the same "
            "function. %s and %s are versions of the same layer." % (arn, r2["LayerVersionArn"]))
        self.lam.delete_layer_version(LayerName=name, VersionNumber=2)
        fn, _ = self.node_function([])
        self.assertAwsError(
            lambda: self.lam.update_function_configuration(FunctionName=fn, Layers=[r2["LayerVersionArn"]]),
            "InvalidParameterValueException", 400,
            "Layer version %s does not exist." % r2["LayerVersionArn"])
        self.assertNotIn("Layers", self.lam.get_function_configuration(FunctionName=fn))

    # -- /opt -----------------------------------------------------------------------------------

    def test_layer_order_decides_which_file_wins(self):
        _, a = self.publish(files={"same.txt": "from A", "only-a.txt": "A", "dir/a.txt": "A"})
        _, b = self.publish(files={"same.txt": "from B", "dir/b.txt": "B"})
        fn, resp = self.node_function([a["LayerVersionArn"], b["LayerVersionArn"]])
        self.assertEqual(resp["Layers"], [
            {"Arn": a["LayerVersionArn"], "CodeSize": a["Content"]["CodeSize"]},
            {"Arn": b["LayerVersionArn"], "CodeSize": b["Content"]["CodeSize"]}])
        files = ["/opt/same.txt", "/opt/only-a.txt", "/opt/dir/a.txt", "/opt/dir/b.txt"]
        out = self.invoke_ok(fn, {"files": files})
        self.assertEqual([out[f] for f in files], ["from B", "A", "A", "B"])
        # Published versions keep the layers they were published with.
        self.lam.publish_version(FunctionName=fn)
        self.lam.update_function_configuration(FunctionName=fn, Layers=[b["LayerVersionArn"], a["LayerVersionArn"]])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
        self.assertEqual(self.invoke_ok(fn, {"files": files})["/opt/same.txt"], "from A")
        self.assertEqual(self.invoke_ok(fn, {"files": files}, Qualifier="1")["/opt/same.txt"], "from B")
        v1 = self.lam.get_function_configuration(FunctionName=fn, Qualifier="1")
        self.assertEqual([l["Arn"] for l in v1["Layers"]], [a["LayerVersionArn"], b["LayerVersionArn"]])
        # The tree is read-only.
        writer = self.create_function(source="exports.handler = async () => { try { require('fs')"
                                      ".writeFileSync('/opt/same.txt', 'x'); return 'wrote'; } "
                                      "catch (e) { return e.code; } };",
                                      Layers=[a["LayerVersionArn"], b["LayerVersionArn"]])[0]
        self.assertIn(self.invoke_ok(writer), ("EROFS", "EACCES"))
        # Layers: [] removes them.
        self.lam.update_function_configuration(FunctionName=fn, Layers=[])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
        self.assertNotIn("Layers", self.lam.get_function_configuration(FunctionName=fn))
        self.assertTrue(self.invoke_ok(fn, {"files": files})["/opt/same.txt"].startswith("missing"))

    def test_node_modules_and_paths_from_layers(self):
        probe_fn, _ = self.node_function([])
        major = self.invoke_ok(probe_fn)["major"]
        _, lib = self.publish(files={
            "nodejs/node_modules/greet/index.js": "module.exports = () => 'greet from layer';\n",
            "nodejs/node%s/node_modules/versioned/index.js" % major: "module.exports = () => 'versioned';\n",
            "bin/tool": "#!/bin/sh\necho tool\n",
        })
        fn, _ = self.node_function([lib["LayerVersionArn"]])
        out = self.invoke_ok(fn, {"modules": ["greet", "versioned"]})
        self.assertEqual(out["greet"], "greet from layer")
        self.assertEqual(out["versioned"], "versioned")
        self.assertEqual(out["NODE_PATH"].split(":"), [
            "/opt/nodejs/node%s/node_modules" % major, "/opt/nodejs/node_modules",
            "/var/runtime/node_modules", "/var/runtime", "/var/task"])
        self.assertIn("/opt/bin", out["PATH"].split(":"))
        self.assertIn("/opt/lib", out["LD_LIBRARY_PATH"].split(":"))

    def test_isolate_tier_resolves_through_opt_in_lambda_order(self):
        # As Node's NODE_PATH in Lambda: /opt/nodejs/node<major>/node_modules (the major
        # Lambda runs for the function's runtime), then /opt/nodejs/node_modules; the
        # function's own node_modules before both.
        _, lib = self.publish(files={
            "nodejs/node18/node_modules/which/index.js": "module.exports = 'node18';\n",
            "nodejs/node20/node_modules/which/index.js": "module.exports = 'node20';\n",
            "nodejs/node22/node_modules/which/index.js": "module.exports = 'node22';\n",
            "nodejs/node_modules/which/index.js": "module.exports = 'shared';\n",
            "nodejs/node_modules/onlyshared/index.js": "module.exports = 'onlyshared';\n",
            "nodejs/node_modules/mine/index.js": "module.exports = 'layer';\n",
        })
        _, shared_only = self.publish(files={
            "nodejs/node_modules/which/index.js": "module.exports = 'shared';\n"})
        source = ("exports.handler = async () => ({which: require('which'), "
                  "onlyshared: require('onlyshared'), mine: require('mine')});\n")
        files = {"index.js": source, "node_modules/mine/index.js": "module.exports = 'task';\n"}
        env = {"Variables": {"STRATUS_TIER": "isolate"}}
        for runtime, expected in [("nodejs18.x", "node18"), ("nodejs20.x", "node20"),
                                  ("nodejs22.x", "node22")]:
            fn, _, _ = self.create_function(files=files, runtime=runtime, Environment=env,
                                            Layers=[lib["LayerVersionArn"]])
            self.assertEqual(self.invoke_ok(fn), {"which": expected, "onlyshared": "onlyshared",
                                                  "mine": "task"}, runtime)
        fn, _, _ = self.create_function(source="exports.handler = async () => require('which');\n",
                                        runtime="nodejs20.x", Environment=env,
                                        Layers=[shared_only["LayerVersionArn"]])
        self.assertEqual(self.invoke_ok(fn), "shared")

    def test_python_package_from_layer(self):
        files = {"python/fromopt/__init__.py": "WHERE = 'opt/python'\n"}
        for minor in range(8, 15):  # one per version: the running python's must be the one found
            files["python/lib/python3.%d/site-packages/sitepkg/__init__.py" % minor] = "WHERE = '3.%d'\n" % minor
        _, lib = self.publish(files=files)
        fn, _, _ = self.create_function(files={"app.py": PYTHON_READER}, handler="app.handler",
                                        runtime="python3.12", Layers=[lib["LayerVersionArn"]])
        out = self.invoke_ok(fn)
        self.assertEqual(out["fromopt"], "opt/python")
        self.assertEqual(out["sitepkg"], out["running"])
        self.assertEqual(out["path"][:2], ["/opt/python/lib/python%s/site-packages" % out["running"],
                                           "/opt/python"])

    def test_custom_runtime_bootstrap_from_layer(self):
        _, rt = self.publish(zip_bytes=make_zip({"bootstrap": LAYER_BOOTSTRAP}, executables=["bootstrap"]))
        fn, _, _ = self.create_function(files={"data.txt": "task data"}, handler="function.handler",
                                        runtime="provided.al2023", Layers=[rt["LayerVersionArn"]])
        r = self.invoke(fn)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json(), {"from": "opt", "task": "task data"})
        self.assertIn("bootstrap from the layer, handler function.handler", r.log)

    # -- refused content ----------------------------------------------------------------------

    def test_unsafe_and_oversize_layers_refused(self):
        name = unique_name("bad")
        self.assertAwsError(lambda: self.publish(name, zip_bytes=make_zip({"../evil.txt": "x"})),
                            "InvalidParameterValueException", 400)
        self.assertAwsError(lambda: self.publish(name, zip_bytes=make_zip({"/etc/evil": "x"})),
                            "InvalidParameterValueException", 400)
        self.assertAwsError(lambda: self.publish(name, zip_bytes=make_zip({"ok.txt": "x"}, symlinks={"l": "../../etc"})),
                            "InvalidParameterValueException", 400)
        self.assertAwsError(lambda: self.publish(name, zip_bytes=b"not a zip"),
                            "InvalidParameterValueException", 400,
                            "Could not unzip uploaded file. Please check your file, then try to upload again.")
        self.assertAwsError(lambda: self.publish(name, zip_bytes=zip_bomb_300mb()),
                            "InvalidParameterValueException", 400,
                            "Unzipped size must be smaller than 262144000 bytes")
        # Nothing was published under the name.
        self.assertEqual(self.lam.list_layer_versions(LayerName=name)["LayerVersions"], [])
        # Each under the limit, together over it: code and layers count together.
        _, big1 = self.publish(zip_bytes=padded_zip("one.bin", 130))
        _, big2 = self.publish(zip_bytes=padded_zip("two.bin", 130))
        arns = [big1["LayerVersionArn"], big2["LayerVersionArn"]]
        self.assertAwsError(lambda: self.node_function(arns), "InvalidParameterValueException", 400,
                            message_prefix="Function code combined with layers exceeds the maximum "
                            "allowed size of 262144000 bytes. The actual size is ")
        fn, _ = self.node_function(arns[:1])
        self.assertAwsError(lambda: self.lam.update_function_configuration(FunctionName=fn, Layers=arns),
                            "InvalidParameterValueException", 400,
                            message_prefix="Function code combined with layers exceeds")

    # -- other accounts' layers ---------------------------------------------------------------

    def test_imported_foreign_layer(self):
        foreign = "arn:aws:lambda:%s:017000801446:layer:AWSLambdaPowertoolsPythonV2:68" % REGION
        self.assertAwsError(lambda: self.node_function([foreign]), "AccessDeniedException", 403)
        tmp = tempfile.mkdtemp(prefix="stratus-e2e-layers-")
        self.addCleanup(shutil.rmtree, tmp, True)
        zpath = os.path.join(tmp, "powertools.zip")
        with open(zpath, "wb") as f:
            f.write(make_zip({"vendor.txt": "powertools offline"}))
        proc = subprocess.run([STRATUS_BIN, "layer", "import", foreign, zpath, "--endpoint", self.server.endpoint],
                              capture_output=True, timeout=CLI_TIMEOUT_S, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc)
        self.assertIn(foreign, proc.stdout.decode())
        got = self.lam.get_layer_version_by_arn(Arn=foreign)
        self.assertEqual(got["Version"], 68)
        self.assertEqual(got["LayerVersionArn"], foreign)
        fn, resp = self.node_function([foreign])
        self.assertEqual(resp["Layers"][0]["Arn"], foreign)
        self.assertEqual(self.invoke_ok(fn, {"files": ["/opt/vendor.txt"]})["/opt/vendor.txt"], "powertools offline")
        # Another account's layers are not this account's: ListLayers leaves them out.
        self.assertNotIn("AWSLambdaPowertoolsPythonV2", [l["LayerName"] for l in self.lam.list_layers()["Layers"]])
        bad = subprocess.run([STRATUS_BIN, "layer", "import", "not-an-arn", zpath, "--endpoint", self.server.endpoint],
                             capture_output=True, timeout=CLI_TIMEOUT_S, stdin=subprocess.DEVNULL)
        self.assertNotEqual(bad.returncode, 0)

    # -- the AWS CLI ----------------------------------------------------------------------------

    @__import__("unittest").skipIf(aws_cli_executable() is None, "AWS CLI not installed")
    def test_aws_cli(self):
        tmp = tempfile.mkdtemp(prefix="stratus-e2e-layers-cli-")
        self.addCleanup(shutil.rmtree, tmp, True)
        zip_bytes = make_zip({"cli.txt": "from the cli"})
        with open(os.path.join(tmp, "layer.zip"), "wb") as f:
            f.write(zip_bytes)
        name = unique_name("cli")
        r = self.server.cli("publish-layer-version", "--layer-name", name, "--zip-file", "fileb://layer.zip",
                            "--compatible-runtimes", "nodejs20.x", "--description", "cli", cwd=tmp)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.json()["Version"], 1)
        self.assertEqual(r.json()["Content"]["CodeSha256"], sha256_b64(zip_bytes))
        r = self.server.cli("list-layer-versions", "--layer-name", name, cwd=tmp)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual([v["Version"] for v in r.json()["LayerVersions"]], [1])
        r = self.server.cli("list-layers", "--compatible-runtime", "nodejs20.x", cwd=tmp)
        self.assertIn(name, [l["LayerName"] for l in r.json()["Layers"]])
        r = self.server.cli("get-layer-version-by-arn", "--arn", LAYER_PREFIX + name + ":1", cwd=tmp)
        self.assertEqual(r.json()["Description"], "cli")
        r = self.server.cli("get-layer-version", "--layer-name", name, "--version-number", "2", cwd=tmp)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFoundException", r.stderr if isinstance(r.stderr, str) else r.stderr.decode())
        r = self.server.cli("delete-layer-version", "--layer-name", name, "--version-number", "1", cwd=tmp)
        self.assertEqual(r.returncode, 0, r)

    # -- durability -----------------------------------------------------------------------------

    def test_survives_sigkill(self):
        name, a = self.publish(files={"kept.txt": "still here"})
        _, b = self.publish(name)
        self.lam.delete_layer_version(LayerName=name, VersionNumber=2)
        added = self.lam.add_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="keep", Action="lambda:GetLayerVersion",
            Principal="*")
        fn, _, _ = self.create_function(source=NODE_READER, Layers=[a["LayerVersionArn"]], cleanup=False)
        # Deleting the version a function uses does not break the function.
        self.lam.delete_layer_version(LayerName=name, VersionNumber=1)
        self.server.restart(kill=True)
        type(self)._attach(self.server)
        self.addCleanup(self._quiet_delete, fn)
        self.assertEqual(self.lam.list_layer_versions(LayerName=name)["LayerVersions"], [])
        self.assertAwsError(lambda: self.lam.get_layer_version(LayerName=name, VersionNumber=1),
                            "ResourceNotFoundException", 404, NO_SUCH)
        cfg = self.lam.get_function_configuration(FunctionName=fn)
        self.assertEqual(cfg["Layers"], [{"Arn": a["LayerVersionArn"], "CodeSize": a["Content"]["CodeSize"]}])
        self.assertEqual(self.invoke_ok(fn, {"files": ["/opt/kept.txt"]})["/opt/kept.txt"], "still here")
        _, c = self.publish(name)
        self.assertEqual(c["Version"], 3)
        # A kept policy survives too (on a version still there).
        _, d = self.publish(name)
        self.lam.add_layer_version_permission(LayerName=name, VersionNumber=4, StatementId="p",
                                              Action="lambda:GetLayerVersion", Principal="*")
        policy = self.lam.get_layer_version_policy(LayerName=name, VersionNumber=4)
        self.server.restart(kill=True)
        type(self)._attach(self.server)
        again = self.lam.get_layer_version_policy(LayerName=name, VersionNumber=4)
        self.assertEqual(again["Policy"], policy["Policy"])
        self.assertEqual(again["RevisionId"], policy["RevisionId"])
        self.assertNotEqual(added["RevisionId"], again["RevisionId"])


if __name__ == "__main__":
    main()
