"""The runtime's life: (claim,) init, then one invocation after another until the API goes away.

Init follows awslambdaric's run(): unbuffered streams, the root logger's handler, then the
handler's import. An init failure is logged, posted to /runtime/init/error and ends the process
with status 1; the server discards the environment.
"""
import http.client
import logging
import os
import sys

from . import faults
from . import handler_loader
from . import invoke
from . import logs
from . import prewarm
from . import runtime_api
from . import sys_path
from .marshaller import Marshaller

RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
# What ends the runtime: the API refused a call, or the connection to it is gone.
_API_GONE = (runtime_api.RuntimeApiError, OSError, http.client.HTTPException)


def main():
    api = runtime_api.RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        preloaded = []
        if os.environ.get("STRATUS_PREWARM") == "1":
            preloaded = prewarm.preload()
            prewarm.wait_for_claim(api)
        function = init(api, preloaded)
        if function is None:
            return 1
        serve(api, *function)
    except _API_GONE as e:
        # A 500 or a closed connection means the environment is being torn down (LAMBDA.md §8).
        sys.stderr.write("stratus runtime: Runtime API: {}: {}; exiting\n".format(
            type(e).__name__, e))
        return 1


def init(api, preloaded):
    """(handler, log settings, marshaller), or None once an init error has been posted."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    sys_path.install(task_root, RUNTIME_DIR)
    if preloaded:
        pythonpath = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        prewarm.drop_shadowed(preloaded, [task_root] + sys_path.layer_paths() + pythonpath)
    logs.make_streams_unbuffered()
    settings = logs.LogSettings(os.environ)
    marshaller = Marshaller(os.environ.get("AWS_EXECUTION_ENV"))
    try:
        logs.install(settings)
        return handler_loader.load_handler(os.environ.get("_HANDLER", "")), settings, marshaller
    except faults.FaultError as fault:
        error = faults.make_error(fault.message, fault.error_type, fault.trace)
    except Exception:
        error = faults.current_error()
    logging.warning(logs.UNHANDLED_INIT_WARNING)
    logs.log_error(error, settings, marshaller)
    api.post_init_error(marshaller.to_json(error), error["errorType"])
    return None


def serve(api, handler, settings, marshaller):
    while True:
        invocation = api.next_invocation()
        logs.set_invocation(invocation.request_id, invocation.tenant_id)
        invoke.set_trace_id(invocation.trace_id)
        invoke.handle(api, handler, invocation, marshaller, settings)
