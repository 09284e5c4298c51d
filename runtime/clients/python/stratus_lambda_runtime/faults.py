"""Function errors as Lambda's Python runtime reports them.

An error is a dict {errorMessage, errorType, requestId, stackTrace} (awslambdaric's make_error),
posted as the invoke's answer and logged. Its stack trace is traceback.format_list() of the frames
from the function's code down: the runtime's own frames above it are cut off, as awslambdaric cuts
its bootstrap.py frames.
"""
import os
import sys
import traceback

# errorType values the runtime itself raises (awslambdaric's FaultException constants).
MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

# The directory holding bootstrap.py and this package, with symlinks resolved: a frame's file name
# is spelled as it was imported, which may go through a link.
_RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


class FaultError(Exception):
    """A failure the runtime diagnoses itself, with Lambda's errorType and message."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def make_error(message, error_type, stack_trace, request_id=None):
    # Key order is part of the wire format: it is what a caller sees.
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def user_frames(tb):
    """(filename, lineno, name, line) for each frame, less the runtime's own leading frames."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if not _is_runtime_file(frame[0]):
            return frames[i:]
    return frames  # nothing but runtime frames: keep them all, as awslambdaric does


def _is_runtime_file(filename):
    # Only real paths: "<frozen importlib._bootstrap>" would otherwise resolve against the cwd.
    return (os.path.isabs(filename)
            and os.path.realpath(filename).startswith(_RUNTIME_DIR + os.sep))


def error_from_exception(exc_info, request_id=None):
    """The error body and X-Ray cause for an exception the function raised."""
    etype, value, tb = exc_info
    frames = user_frames(tb)
    body = make_error(str(value), etype.__name__, traceback.format_list(frames), request_id)
    return body, xray_cause(etype.__name__, str(value), frames)


def error_from_fault(fault, request_id=None):
    body = make_error(fault.message, fault.error_type, fault.trace, request_id)
    return body, xray_cause("LambdaValidationError", fault.message, [])


def current_error():
    """The error body for the exception being handled (init failures carry no X-Ray cause)."""
    return error_from_exception(sys.exc_info())[0]


def xray_cause(error_type, message, frames):
    """The Lambda-Runtime-Function-XRay-Error-Cause document (awslambdaric's make_xray_fault)."""
    try:
        working_directory = os.getcwd()
    except OSError:
        working_directory = ""
    return {
        "working_directory": working_directory,
        "exceptions": [{
            "message": message,
            "type": error_type,
            "stack": [{"label": name, "path": path, "line": line}
                      for path, line, name, _ in frames],
        }],
        "paths": list(dict.fromkeys(path for path, _, _, _ in frames)),
    }
