"""Prewarm (Stratus only): a runtime started before any function needs it.

With STRATUS_PREWARM=1 the process pays for the interpreter and the runtime's own imports ahead
of time, then blocks on GET /2018-06-01/stratus/claim until the server assigns it to a function.
The answer's environment replaces its own, and init goes on exactly as a cold start's would.

Besides what the runtime imports anyway, a prewarmed process can import modules that functions
commonly import. That must stay invisible: a function that ships its own copy of a preloaded
module (a vendored boto3, a backport) would get the preloaded one instead, so when the code or
a layer provides any of them, everything preloaded is dropped from sys.modules again and the
function imports its own, as in a cold start.
"""
import importlib
import importlib.machinery
import os
import sys
import time

# Standard-library modules most function code (and botocore) imports: about 25 ms of imports
# and 4 MB per prewarmed process on python3.11.
COMMON_MODULES = ("datetime", "decimal", "base64", "uuid", "typing", "dataclasses", "hashlib",
                  "hmac", "urllib.request", "concurrent.futures", "tempfile", "email.utils")

# boto3 costs ~160 ms to import but ~27 MB per process, paid by functions that never use it:
# off unless the server asks for it.
BOTO3_FLAG = "STRATUS_PREWARM_PRELOAD_BOTO3"


def preload():
    """Imports the modules a claimed function may want; returns the names newly imported."""
    before = set(sys.modules)
    for name in COMMON_MODULES:
        importlib.import_module(name)
    if os.environ.get(BOTO3_FLAG) == "1":
        try:
            importlib.import_module("boto3")
        except ImportError:
            pass  # no runtime-provided boto3 here: the function will see the same
    return [name for name in sys.modules if name not in before]


def wait_for_claim(api):
    """Blocks until a function claims this process, then takes on that function's environment."""
    env = api.claim()
    for name, value in env.items():
        os.environ[name] = str(value)
    os.environ.pop("STRATUS_PREWARM", None)
    os.environ.pop(BOTO3_FLAG, None)
    time.tzset()  # TZ may have changed; the interpreter read it at startup
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    if os.path.isdir(task_root) and os.getcwd() != task_root:
        os.chdir(task_root)  # Lambda runs a function from its code directory
    importlib.invalidate_caches()  # directories may have been filled since the finders looked


def drop_shadowed(preloaded, directories):
    """Forgets every preloaded module if one of them is provided in `directories`."""
    top_level = {name.partition(".")[0] for name in preloaded}
    shadowed = sorted(name for name in top_level
                      if importlib.machinery.PathFinder.find_spec(name, directories) is not None)
    if shadowed:
        for name in preloaded:
            sys.modules.pop(name, None)
    return shadowed
