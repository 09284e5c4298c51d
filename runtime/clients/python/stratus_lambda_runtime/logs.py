"""The function's log, as Lambda's Python runtime writes it to stdout.

The server captures the process's stdout and stderr as the function's log, so everything here is
plain writes to sys.stdout (looked up at each write, so a function that swaps sys.stdout swaps
the log too): awslambdaric's StandardLogSink, used when Lambda hands it no telemetry fd.

- print() writes plain lines; both streams flush at every write, so lines interleave in order
  and nothing is lost when the process is killed.
- The root logger gets one handler: text records `[LEVEL]\\t<time>Z\\t<request id>\\t<message>\\n`,
  or JSON objects with AWS_LAMBDA_LOG_FORMAT=JSON. AWS_LAMBDA_LOG_LEVEL sets the root level;
  without it the root logger keeps Python's default, WARNING, as in Lambda.
- A function error is one record: its lines joined by \\r, leading spaces as U+00A0, so a log
  reader that splits on \\n keeps the traceback in one event.
"""
import json
import logging
import sys
import time
import traceback

_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_TEXT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ERROR_LINE_SEPARATOR = "\r"
_ERROR_INDENT = "\u00a0"

# Logged before an init error's record, word for word as Lambda's runtime does.
UNHANDLED_INIT_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r")

# LogRecord attributes that are not "extra" fields of a JSON record.
_RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated",
    "thread", "threadName", "processName", "process", "aws_request_id", "tenant_id",
    "_frame_type",
}

# The invocation in progress, stamped on every record; "" before the first one.
_request_id = None
_tenant_id = None


def set_invocation(request_id, tenant_id):
    global _request_id, _tenant_id
    _request_id, _tenant_id = request_id, tenant_id


class LogSettings:
    def __init__(self, environ):
        self.json = (environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
        # As awslambdaric reads it: TRACE means DEBUG; an unknown name leaves the level alone.
        level = environ.get("AWS_LAMBDA_LOG_LEVEL")
        self.level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()


class _Unbuffered:
    """Flushes after every write (awslambdaric's wrapper); anything else goes to the stream."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        written = self._stream.write(text)
        self._stream.flush()
        return written

    def writelines(self, lines):
        self._stream.writelines(lines)
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def make_streams_unbuffered():
    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)


class _InvocationFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = _tenant_id
        return True


class _StdoutHandler(logging.Handler):
    def emit(self, record):
        # No try/except, as in awslambdaric: a record that cannot be formatted raises in the
        # function's own logging call.
        text = self.format(record)
        # A record with a traceback ends without a newline (Python's Formatter appends the
        # traceback after the format's "\n"). Lambda frames each record, so the next write
        # starts a new event; on a plain stream the newline does that.
        if not text.endswith("\n"):
            text += "\n"
        sys.stdout.write(text)


def _log_level(record):
    return min(50, max(0, record.levelno)) // 10 * 10


class _JsonFormatter(logging.Formatter):
    _encode = json.JSONEncoder(ensure_ascii=False).encode

    def __init__(self):
        super().__init__(datefmt=_JSON_DATE_FORMAT)

    def format(self, record):
        # Levels are rounded down to the standard ones, on the record itself, as awslambdaric does.
        record.levelno = _log_level(record)
        record.levelname = logging.getLevelName(record.levelno)
        exc_info = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": ("{}:{}:{}".format(record.pathname, record.funcName, record.lineno)
                         if exc_info else None),
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update((key, value) for key, value in record.__dict__.items()
                      if key not in _RESERVED_FIELDS and key not in result)
        return self._encode({k: v for k, v in result.items() if v is not None}) + "\n"


def install(settings):
    """Gives the root logger the function log's handler."""
    logging.Formatter.converter = time.gmtime  # every formatter, the function's too: Lambda's is UTC
    handler = _StdoutHandler()
    if settings.json:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, _TEXT_DATE_FORMAT))
    handler.addFilter(_InvocationFilter())
    root = logging.getLogger()
    if settings.level in logging._nameToLevel:
        root.setLevel(settings.level)
    root.addHandler(handler)


def log_error(error, settings, marshaller):
    """Logs a function error (an error body from faults.make_error) as one record."""
    if settings.json:
        record = {"timestamp": time.strftime(_JSON_DATE_FORMAT, time.gmtime()),
                  "log_level": "ERROR"}
        record.update(error)
        sys.stdout.write(marshaller.to_json(record) + "\n")
        return
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    stack_trace = error.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            for line in element.splitlines():
                lines.append(_indent_with_nbsp(line))
    sys.stdout.write(_ERROR_LINE_SEPARATOR.join(lines) + "\n")


def _indent_with_nbsp(line):
    stripped = line.lstrip(" ")
    return _ERROR_INDENT * (len(line) - len(stripped)) + stripped
