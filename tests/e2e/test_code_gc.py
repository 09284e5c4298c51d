#!/usr/bin/env python3
"""Unreferenced code is garbage-collected at start (issue 9): zips, extracted bundles and merged
/opt trees that no function version and no layer version references any more (deleted,
replaced by UpdateFunctionCode, or left by an upload a kill interrupted, with its staging
file) are removed when the server starts; everything still referenced stays, across kill -9."""
import base64
import os
import sys
import threading
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import StratusTestCase, main, make_zip, unique_name  # noqa: E402

READER = ("const fs = require('fs');\n"
          "exports.handler = async (e) => ({v: %r, opt: (e.files || []).map((f) => {\n"
          "  try { return fs.readFileSync(f, 'utf8'); } catch (err) { return 'missing'; } })});\n")


def hex_of(sha256_base64):
    return base64.b64decode(sha256_base64).hex()


class CodeGcTest(StratusTestCase):

    def setUp(self):
        super().setUp()
        self.texts = {}

    def code_dir(self):
        return os.path.join(self.server.data_dir, "code")

    def stored_zips(self):
        return set(os.listdir(os.path.join(self.code_dir(), "zips")))

    def stored_bundles(self):
        return {n for n in os.listdir(os.path.join(self.code_dir(), "bundles")) if n != ".boot-id"}

    def restart(self, kill=False):
        self.server.restart(kill=kill)
        type(self)._attach(self.server)

    def referenced(self):
        """The zips every function version and layer version names, by the API."""
        hexes = set()
        for f in self.lam.list_functions(FunctionVersion="ALL", MaxItems=1000)["Functions"]:
            hexes.add(hex_of(f["CodeSha256"]))
            for layer in f.get("Layers", []):
                arn = layer["Arn"]
                try:
                    v = self.lam.get_layer_version_by_arn(Arn=arn)
                    hexes.add(hex_of(v["Content"]["CodeSha256"]))
                except self.lam.exceptions.ResourceNotFoundException:
                    pass  # the version is deleted; the function keeps its content (below)
        for layer in self.lam.list_layers()["Layers"]:
            for v in self.lam.list_layer_versions(LayerName=layer["LayerName"])["LayerVersions"]:
                got = self.lam.get_layer_version_by_arn(Arn=v["LayerVersionArn"])
                hexes.add(hex_of(got["Content"]["CodeSha256"]))
        return hexes

    def publish(self, text):
        """A layer of one file, /opt/f.txt holding `text`."""
        name = unique_name("layer")
        r = self.lam.publish_layer_version(LayerName=name,
                                           Content={"ZipFile": make_zip({"f.txt": text})})
        self.texts[r["LayerVersionArn"]] = text
        return name, r

    def test_start_sweeps_what_nothing_references(self):
        baseline_zips, baseline_bundles = self.stored_zips(), self.stored_bundles()
        kept_layer, a = self.publish("layer a " + unique_name())
        gone_layer, b = self.publish("layer b " + unique_name())
        # A function with both layers (a merged /opt), updated twice: its first codes are
        # garbage once replaced, unless a published version keeps them.
        fn, _, _ = self.create_function(source=READER % "v1",
                                        Layers=[a["LayerVersionArn"], b["LayerVersionArn"]])
        self.assertEqual(self.invoke_ok(fn, {"files": ["/opt/f.txt"]})["v"], "v1")
        self.lam.publish_version(FunctionName=fn)  # version 1 keeps v1 and both layers
        self.lam.update_function_code(FunctionName=fn, ZipFile=make_zip({"index.js": READER % "v2"}))
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
        self.lam.update_function_code(FunctionName=fn, ZipFile=make_zip({"index.js": READER % "v3"}))
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
        self.lam.update_function_configuration(FunctionName=fn, Layers=[a["LayerVersionArn"]])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=fn)
        self.assertEqual(self.invoke_ok(fn)["v"], "v3")
        # A deleted function and a deleted layer version nothing else uses.
        doomed, _, _ = self.create_function(source=READER % ("doomed " + unique_name()),
                                            cleanup=False)
        self.invoke_ok(doomed)
        self.lam.delete_function(FunctionName=doomed)
        lone, _ = self.publish("layer c " + unique_name())
        self.lam.delete_layer_version(LayerName=lone, VersionNumber=1)
        # What a kill mid-upload leaves: a zip's staging file.
        staging = os.path.join(self.code_dir(), "zips", "." + "ab" * 32 + ".zip.tmp-Xy12Zq")
        with open(staging, "wb") as f:
            f.write(b"PK half an upload")
        grown = self.stored_zips()
        self.restart()
        referenced = self.referenced()
        zips = self.stored_zips()
        self.assertEqual(zips - baseline_zips, {h + ".zip" for h in referenced} - baseline_zips)
        self.assertLess(len(zips), len(grown))
        self.assertNotIn(os.path.basename(staging), zips)
        bundles = self.stored_bundles() - baseline_bundles
        self.assertTrue(all(n in referenced or n.startswith("opt-") for n in bundles), bundles)
        # Everything still referenced works: $LATEST (v3, layer a), version 1 (v1, a then b).
        latest = self.invoke_ok(fn, {"files": ["/opt/f.txt"]})
        self.assertEqual(latest, {"v": "v3", "opt": [self.texts[a["LayerVersionArn"]]]})
        v1 = self.invoke_ok(fn, {"files": ["/opt/f.txt"]}, Qualifier="1")
        self.assertEqual(v1, {"v": "v1", "opt": [self.texts[b["LayerVersionArn"]]]})
        # Deleting a layer version a published version uses keeps its content.
        self.lam.delete_layer_version(LayerName=gone_layer, VersionNumber=1)
        self.restart(kill=True)
        v1 = self.invoke_ok(fn, {"files": ["/opt/f.txt"]}, Qualifier="1")
        self.assertEqual(v1["opt"], [self.texts[b["LayerVersionArn"]]])
        # Deleting the function frees its codes; the kept layer's zip stays.
        self.lam.delete_function(FunctionName=fn)
        self.restart()
        zips = self.stored_zips() - baseline_zips
        self.assertEqual(zips, {hex_of(self.lam.get_layer_version(
            LayerName=kept_layer, VersionNumber=1)["Content"]["CodeSha256"]) + ".zip"})

    def test_kill_mid_flow_loses_nothing_referenced(self):
        # Creates, updates and deletes run on threads while the server is killed; after the
        # restart (and its sweep) every function that exists still runs its own code.
        names = [unique_name() for _ in range(6)]
        errors = []

        def churn(i):
            try:
                for round_ in range(3):
                    code = make_zip({"index.js": "exports.handler = async () => %r;\n"
                                     % ("%s-%d" % (names[i], round_))})
                    if round_ == 0:
                        self.lam.create_function(FunctionName=names[i], Runtime="nodejs20.x",
                                                 Role="arn:aws:iam::000000000000:role/r",
                                                 Handler="index.handler", Code={"ZipFile": code})
                    else:
                        self.lam.update_function_code(FunctionName=names[i], ZipFile=code)
            except Exception as e:  # the kill cuts requests short
                errors.append(e)

        threads = [threading.Thread(target=churn, args=(i,)) for i in range(len(names))]
        for t in threads:
            t.start()
        self.lam.list_functions()  # some of them are under way
        self.server.restart(kill=True)
        for t in threads:
            t.join(timeout=120)
        type(self)._attach(self.server)
        for name in names:
            self.addCleanup(self._quiet_delete, name)
        existing = {f["FunctionName"]: f for f in
                    self.lam.list_functions(MaxItems=1000)["Functions"] if f["FunctionName"] in names}
        for name, f in existing.items():
            out = self.invoke_ok(name)
            self.assertTrue(out.startswith(name + "-"), (name, out))
            self.assertIn(hex_of(f["CodeSha256"]) + ".zip", self.stored_zips())


if __name__ == "__main__":
    main()
