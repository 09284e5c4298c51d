"""End-to-end: the Node.js handler corpus (tests/corpus) in Stratus vs plain node.

One subTest per case: the case's zip is run under plain node (tests/corpus/plain_node_driver.mjs)
and in the server with the same event; a case fails if plain node runs it correctly but
Stratus fails it or answers differently (after the case's listed normalisations).

Skipped, with the reason printed, when tests/corpus/setup.sh has not been run (the corpus npm
deps are missing) or node is not installed. Cases whose runtime-provided SDK packages are not
installed (scripts/deps-node-sdk.sh) are skipped one by one.

Run by hand:
  STRATUS_BIN=build/stratus python3 tests/e2e/test_corpus.py [-k case-name]
"""
import os
import shutil
import sys
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "corpus"))

import harness  # noqa: E402
import run_corpus  # noqa: E402


class CorpusTest(harness.StratusTestCase):

    @classmethod
    def setUpClass(cls):
        ok, why = run_corpus.deps_status()
        if not ok:
            print("test_corpus: skipped: " + why, flush=True)
            raise unittest.SkipTest(why)
        if not os.path.exists(run_corpus.NODE_BIN) and not shutil.which("node"):
            print("test_corpus: skipped: node not installed", flush=True)
            raise unittest.SkipTest("node not installed")
        super().setUpClass()
        cls.corpus_lam = harness.lambda_client(cls.server.endpoint,
                                               read_timeout=run_corpus.INVOKE_READ_TIMEOUT_S)

    def test_corpus(self):
        results = []
        for case in run_corpus.load_cases():
            with self.subTest(case=case["name"]):
                r = run_corpus.run_case(case, self.corpus_lam, self.server.endpoint)
                results.append(r)
                if r.skipped:
                    print("test_corpus: %s skipped: %s" % (r.name, r.skipped), flush=True)
                    continue
                self.assertTrue(r.plain_ok, "plain node does not run %s as expected: %s"
                                % (r.name, r.problems))
                self.assertTrue(r.stratus_ok and r.equal,
                                "%s in Stratus:\n  %s" % (r.name, "\n  ".join(r.problems)))
        run_corpus.print_table(results)


if __name__ == "__main__":
    harness.main()
