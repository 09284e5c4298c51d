#!/usr/bin/env python3
"""The stratus command's client subcommands against a real server: deploy a folder (runtime and
handler read from it, .stratusignore honoured, executable bits kept) or a zip, redeploy (new
code, only the given settings change), invoke with a payload, from stdin, asynchronously and
with each sample event type, list, delete, and the exit codes and messages of mistakes."""
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import CLI_TIMEOUT_S, STRATUS_BIN, StratusTestCase, main, make_zip, unique_name  # noqa: E402

# Answers with what it was given and what its bundle holds, so the test sees the event shape
# and the zip's contents from inside the jail.
NODE_ECHO = """
import { readdirSync, statSync } from 'node:fs';
const walk = (d) => readdirSync(d).flatMap((n) => statSync(d + '/' + n).isDirectory() ? walk(d + '/' + n) : [d + '/' + n]);
export const handler = async (event) => {
  console.log('echo says hi');
  if (event.fail) throw new Error('asked to fail');
  return { event, files: walk('/var/task').sort(), version: process.env.VERSION || null,
           memory: Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) };
};
"""

LOGGER = """
export const handler = async (event) => { console.log('said', event.say); return 'ok'; };
"""

PYTHON_ECHO = """
def lambda_handler(event, context):
    return {"python": True, "keys": sorted(event)}
"""

BOOTSTRAP = """#!/bin/sh
set -eu
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | tr -d '\\r' | cut -d' ' -f2)
  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$id/response" -d '{"shell":true}' >/dev/null
done
"""


class StratusCommandTest(StratusTestCase):

    def stratus(self, *args, stdin=None):
        return subprocess.run([STRATUS_BIN, *args, "--endpoint", self.server.endpoint], input=stdin,
                              capture_output=True, timeout=CLI_TIMEOUT_S, text=True)

    def folder(self, files, modes=None):
        d = tempfile.mkdtemp(prefix="stratus-e2e-command-")
        self.addCleanup(shutil.rmtree, d, True)
        for name, text in files.items():
            path = os.path.join(d, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            if modes and name in modes:
                os.chmod(path, modes[name])
        return d

    def deploy(self, source, *flags):
        name = unique_name("cmd")
        res = self.stratus("deploy", source, "--name", name, *flags)
        self.assertEqual(res.returncode, 0, res)
        self.assertEqual(res.stdout.strip(), "arn:aws:lambda:us-east-1:000000000000:function:" + name)
        return name, res

    def cli_invoke(self, name, *args, stdin=None):
        res = self.stratus("invoke", name, *args, stdin=stdin)
        self.assertEqual(res.returncode, 0, res)
        return json.loads(res.stdout), res.stderr

    def test_deploy_a_node_folder_reads_its_defaults_and_honours_stratusignore(self):
        d = self.folder({
            "index.mjs": NODE_ECHO,
            "package.json": json.dumps({"name": "echo", "type": "module", "engines": {"node": ">=22"}}),
            "lib/keep.js": "1",
            "node_modules/dep/index.js": "module.exports = 1",
            "node_modules/dev-only/index.js": "x",
            "notes.log": "x",
            "build/out.txt": "x",
            ".stratusignore": "# comments and blank lines\n\n*.log\nnode_modules/dev-only/\n/build\n",
        })
        name, res = self.deploy(d)
        self.assertIn("runtime nodejs22.x, handler index.handler", res.stderr)
        config = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual((config["Runtime"], config["Handler"], config["State"]), ("nodejs22.x", "index.handler", "Active"))
        out, log = self.cli_invoke(name, '{"a": 1}')
        self.assertEqual(out["event"], {"a": 1})
        self.assertEqual(out["files"], ["/var/task/index.mjs", "/var/task/lib/keep.js",
                                        "/var/task/node_modules/dep/index.js", "/var/task/package.json"])
        self.assertIn("echo says hi", log)
        self.assertIn("REPORT RequestId:", log)

    def test_redeploy_changes_the_code_and_only_the_settings_given(self):
        d = self.folder({"index.mjs": NODE_ECHO})
        name, _ = self.deploy(d, "--memory", "256", "--env", "VERSION=one")
        self.assertEqual(self.cli_invoke(name)[0]["version"], "one")
        with open(os.path.join(d, "index.mjs"), "a") as f:
            f.write("\nexport const marker = 2;\n")
        with open(os.path.join(d, "added.txt"), "w") as f:
            f.write("new")
        res = self.stratus("deploy", d, "--name", name, "--timeout", "7")
        self.assertEqual(res.returncode, 0, res)
        config = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual((config["Timeout"], config["MemorySize"]), (7, 256))
        self.assertEqual(config["Environment"]["Variables"], {"VERSION": "one"})
        out, _ = self.cli_invoke(name)
        self.assertIn("/var/task/added.txt", out["files"], "the next invoke runs the new code")

    def test_python_folder_a_bootstrap_folder_and_a_zip(self):
        name, res = self.deploy(self.folder({"lambda_function.py": PYTHON_ECHO}))
        self.assertIn("handler lambda_function.lambda_handler", res.stderr)
        self.assertEqual(self.cli_invoke(name, '{"b": 2, "a": 1}')[0], {"python": True, "keys": ["a", "b"]})
        name, _ = self.deploy(self.folder({"bootstrap": BOOTSTRAP}, modes={"bootstrap": 0o755}))
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["Runtime"], "provided.al2023")
        self.assertEqual(self.cli_invoke(name)[0], {"shell": True}, "the executable bit survived the zip")
        z = os.path.join(self.folder({}), "fn.zip")
        with open(z, "wb") as f:
            f.write(make_zip({"app.py": PYTHON_ECHO}))
        name, _ = self.deploy(z, "--runtime", "python3.12", "--handler", "app.lambda_handler")
        self.assertEqual(self.cli_invoke(name)[0]["python"], True)

    def test_invoke_from_stdin_asynchronously_and_with_sample_events(self):
        name, _ = self.deploy(self.folder({"index.mjs": NODE_ECHO}))
        self.assertEqual(self.cli_invoke(name, "-", stdin='{"from": "stdin"}')[0]["event"], {"from": "stdin"})
        res = self.stratus("invoke", name, '{"x": 1}', "--event")
        self.assertEqual(res.returncode, 0, res)
        self.assertIn("202", res.stderr)
        shapes = {
            "apigw-v2": lambda e: (e["version"], e["requestContext"]["http"]["method"], e["body"]) == ("2.0", "POST", "hi"),
            "apigw": lambda e: (e["httpMethod"], e["body"], e["resource"]) == ("POST", "hi", "/{proxy+}"),
            "sqs": lambda e: (e["Records"][0]["eventSource"], e["Records"][0]["body"]) == ("aws:sqs", "hi"),
            "s3": lambda e: e["Records"][0]["eventName"] == "ObjectCreated:Put" and e["Records"][0]["s3"]["bucket"]["name"],
            "sns": lambda e: e["Records"][0]["Sns"]["Message"] == "hi",
            "eventbridge": lambda e: (e["source"], e["detail"]) == ("aws.events", {"message": "hi"}),
            "dynamodb": lambda e: e["Records"][0]["eventName"] == "INSERT",
        }
        for kind, check in shapes.items():
            event = self.cli_invoke(name, "hi", "--event-type", kind)[0]["event"]
            self.assertTrue(check(event), (kind, event))

    def start(self, *args):
        """A long-running subcommand, stopped by its PID at cleanup; and a wait_for(text) that
        reads its stdout lines until one contains text (bounded in time)."""
        proc = subprocess.Popen([STRATUS_BIN, *args, "--endpoint", self.server.endpoint],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait(10)))
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()

        def wait_for(text, seconds=30):
            deadline = time.monotonic() + seconds
            seen = []
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
                except queue.Empty:
                    break
                seen.append(line)
                if text in line:
                    return line
            self.fail("no %r from stratus %s within %d s; saw %r" % (text, args[0], seconds, seen))
        return proc, lines, wait_for

    def test_logs_since_filter_and_follow(self):
        name, _ = self.deploy(self.folder({"index.mjs": LOGGER}))
        self.cli_invoke(name, '{"say": "marker-one"}')
        self.cli_invoke(name, '{"say": "marker-two"}')
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            res = self.stratus("logs", name)
            if "marker-two" in res.stdout:
                break
            time.sleep(0.2)
        self.assertEqual(res.returncode, 0, res)
        self.assertIn("marker-one", res.stdout)
        self.assertIn("REPORT RequestId:", res.stdout)
        res = self.stratus("logs", name, "--filter", "marker-one")
        self.assertIn("marker-one", res.stdout)
        self.assertNotIn("marker-two", res.stdout)
        self.assertEqual(self.stratus("logs", name, "--since", "0").returncode, 0)
        proc, _, wait_for = self.start("logs", name, "--follow", "--since", "1s")
        time.sleep(0.5)
        self.cli_invoke(name, '{"say": "marker-three"}')
        wait_for("marker-three")
        proc.terminate()
        self.assertEqual(proc.wait(10), 0)
        res = self.stratus("logs", "no-such-function")
        self.assertEqual(res.returncode, 1)
        self.assertIn("ResourceNotFoundException", res.stderr)

    def test_dev_redeploys_on_change_and_the_next_invoke_runs_the_new_code(self):
        d = self.folder({"index.mjs": "export const handler = async () => ({v: 1});\n",
                         "ignored/big.txt": "x", ".stratusignore": "ignored/\n"})
        name = unique_name("dev")
        proc, lines, wait_for = self.start("dev", d, "--name", name)
        wait_for("watching")
        self.assertEqual(self.invoke_ok(name, {}), {"v": 1})
        with open(os.path.join(d, "ignored", "big.txt"), "w") as f:
            f.write("an ignored change")
        time.sleep(1)  # far past the debounce: a redeploy would have been printed by now
        early = []
        while not lines.empty():
            early.append(lines.get())
        self.assertFalse([l for l in early if "redeployed" in l], "a change stratusignore names redeploys nothing")
        with open(os.path.join(d, "index.mjs"), "w") as f:
            f.write("export const handler = async () => ({v: 2});\n")
        line = wait_for("redeployed")
        self.assertRegex(line, r"redeployed %s \d+ ms after the change" % name)
        self.assertEqual(self.invoke_ok(name, {}), {"v": 2})
        wait_for("REPORT RequestId:")  # the invocation's lines, printed live
        # A new folder is watched too.
        os.makedirs(os.path.join(d, "lib"))
        wait_for("redeployed")
        with open(os.path.join(d, "lib", "x.js"), "w") as f:
            f.write("1")
        wait_for("redeployed")
        proc.terminate()
        self.assertEqual(proc.wait(10), 0)

    def test_coldstart_forces_cold_starts_per_memory_size_and_draws_them(self):
        name, _ = self.deploy(self.folder({"index.mjs": NODE_ECHO}), "--memory", "192")
        self.cli_invoke(name)
        svg = os.path.join(self.folder({}), "cold.svg")
        res = self.stratus("coldstart", name, "-n", "3", "--memory", "128,256", "--out", svg)
        self.assertEqual(res.returncode, 0, res)
        for memory in (128, 256):
            self.assertIn("%s @ %d MB: 3 cold starts\n" % (name, memory), res.stdout)
        self.assertRegex(res.stdout, r"cold invoke, end to end +[0-9.]+ +[0-9.]+")
        self.assertRegex(res.stdout, r"Init Duration \(REPORT\) +[0-9.]+")
        import xml.dom.minidom
        doc = xml.dom.minidom.parse(svg)
        labels = [t.firstChild.data for t in doc.getElementsByTagName("text") if "MB (n=" in t.firstChild.data]
        self.assertEqual(len(labels), 2, labels)
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["MemorySize"], 192, "memory restored")
        res = self.stratus("coldstart", "--compare", name, name, "-n", "1")
        self.assertEqual(res.returncode, 0, res)
        self.assertEqual(res.stdout.count("1 cold starts"), 2)
        # The recycle route alone: the next invoke is cold.
        self.cli_invoke(name)
        r = self.server.http("POST", "/_stratus/functions/%s/recycle" % name)
        self.assertEqual(r.status, 204)
        self.assertIn("Init Duration", self.cli_invoke(name)[1])
        self.assertEqual(self.server.http("POST", "/_stratus/functions/nope/recycle").status, 404)

    def test_list_delete_and_mistakes(self):
        name, _ = self.deploy(self.folder({"index.mjs": NODE_ECHO}))
        res = self.stratus("list")
        self.assertEqual(res.returncode, 0, res)
        self.assertIn(name, res.stdout)
        res = self.stratus("invoke", name, '{"fail": true}')
        self.assertEqual(res.returncode, 1, res)
        self.assertEqual(json.loads(res.stdout)["errorMessage"], "asked to fail")
        self.assertIn("the function failed", res.stderr)
        res = self.stratus("delete", name)
        self.assertEqual(res.returncode, 0, res)
        self.assertNotIn(name, self.stratus("list").stdout)
        res = self.stratus("invoke", name)
        self.assertEqual(res.returncode, 1)
        self.assertIn("ResourceNotFoundException", res.stderr)
        res = self.stratus("deploy", self.folder({"README.md": "no code"}))
        self.assertEqual(res.returncode, 1)
        self.assertIn("--runtime and --handler", res.stderr)
        res = self.stratus("invoke", name, "--event-type", "bogus")
        self.assertEqual(res.returncode, 2)
        unreachable = subprocess.run([STRATUS_BIN, "list", "--endpoint", "http://127.0.0.1:1"],
                                     capture_output=True, timeout=CLI_TIMEOUT_S, text=True)
        self.assertEqual(unreachable.returncode, 1)
        self.assertIn("Is the server running?", unreachable.stderr)
        for sub in (["deploy"], ["dev"], ["invoke"], ["logs"], ["coldstart"], ["list"], ["delete"], ["layer", "import"]):
            res = subprocess.run([STRATUS_BIN, *sub, "--help"], capture_output=True, timeout=CLI_TIMEOUT_S, text=True)
            self.assertEqual(res.returncode, 0, (sub, res))
            self.assertIn("--endpoint", res.stdout, sub)


if __name__ == "__main__":
    main()
