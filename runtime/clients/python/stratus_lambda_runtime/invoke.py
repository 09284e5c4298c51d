"""Runs one invocation: event in, handler(event, context), result or error out.

Only Exception is caught: SystemExit and KeyboardInterrupt from a handler end the process, as in
Lambda, where the invoke then fails with Runtime.ExitError.
"""
import os
import sys

from . import context as lambda_context
from . import faults
from . import logs


def handle(api, handler, invocation, marshaller, log_settings):
    request_id = invocation.request_id
    error = None
    try:
        context = lambda_context.for_invocation(invocation)
        event = marshaller.unmarshal_event(invocation.body, invocation.content_type)
        result = handler(event, context)
        body, content_type = marshaller.marshal_result(result)
    except faults.FaultError as fault:
        error, cause = faults.error_from_fault(fault, request_id)
    except Exception:
        error, cause = faults.error_from_exception(sys.exc_info(), request_id)

    if error is None:
        api.post_response(request_id, body, content_type)
        return
    logs.log_error(error, log_settings, marshaller)
    api.post_error(request_id, marshaller.to_json(error), error["errorType"],
                   marshaller.to_json(cause))


def set_trace_id(trace_id):
    """_X_AMZN_TRACE_ID is the current invocation's X-Ray header, absent when it has none."""
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
