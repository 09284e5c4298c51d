"""The Runtime API 2018-06-01 over one keep-alive HTTP/1.1 connection (LAMBDA.md §8).

Every call blocks without a timeout: /next waits for as long as the sandbox stays warm, and the
Stratus claim for as long as the process stays prewarmed. Any answer but the expected status
raises RuntimeApiError and a lost connection raises OSError or http.client.HTTPException; either
ends the runtime, as Lambda's own client does (a 500 means the environment is being torn down).
"""
import http.client
import json
import sys
import urllib.parse

_PREFIX = "/2018-06-01"
_USER_AGENT = "aws-lambda-python/{}.{}.{}-stratus".format(*sys.version_info[:3])
# The server parses at most 80 KiB of request headers: a cause larger than this is left out
# (awslambdaric leaves out causes of 1 MiB or more, Lambda's own bound) rather than refused.
_MAX_XRAY_CAUSE_BYTES = 32 * 1024


class RuntimeApiError(Exception):
    def __init__(self, method, path, status, body):
        super().__init__("{} {} answered {}: {}".format(
            method, path, status, body.decode("utf-8", "replace")))
        self.status = status


class Invocation:
    """One event from /next, with the headers the runtime uses."""
    __slots__ = ["request_id", "body", "content_type", "deadline_ms", "invoked_function_arn",
                 "trace_id", "client_context", "cognito_identity", "tenant_id"]

    def __init__(self, body, headers):
        self.body = body
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.content_type = headers.get("Content-Type")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id") or None
        self.client_context = headers.get("Lambda-Runtime-Client-Context") or None
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity") or None
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id") or None


class RuntimeApiClient:
    def __init__(self, address):
        # timeout=None, not the socket default: a function calling socket.setdefaulttimeout()
        # must not put a timer on the runtime's own long poll.
        self._conn = http.client.HTTPConnection(address, timeout=None)

    def _call(self, method, path, expected, body=None, headers=None):
        all_headers = {"User-Agent": _USER_AGENT}
        all_headers.update(headers or {})
        self._conn.request(method, _PREFIX + path, body=body, headers=all_headers)
        response = self._conn.getresponse()
        data = response.read()
        if response.status != expected:
            raise RuntimeApiError(method, _PREFIX + path, response.status, data)
        return data, response.headers

    def claim(self):
        """Stratus prewarm: blocks until the server gives this process a function; its env."""
        data, _ = self._call("GET", "/stratus/claim", 200)
        return json.loads(data)["env"]

    def next_invocation(self):
        data, headers = self._call("GET", "/runtime/invocation/next", 200)
        return Invocation(data, headers)

    def post_response(self, request_id, body, content_type):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self._call("POST", "/runtime/invocation/{}/response".format(_quote(request_id)), 202,
                   body, {"Content-Type": content_type})

    def post_error(self, request_id, error_json, error_type, xray_cause_json):
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": _header_value(error_type),
        }
        cause = xray_cause_json.encode("utf-8")
        headers["Lambda-Runtime-Function-XRay-Error-Cause"] = (
            cause if len(cause) < _MAX_XRAY_CAUSE_BYTES else b"")
        self._call("POST", "/runtime/invocation/{}/error".format(_quote(request_id)), 202,
                   error_json.encode("utf-8"), headers)

    def post_init_error(self, error_json, error_type):
        self._call("POST", "/runtime/init/error", 202, error_json.encode("utf-8"),
                   {"Content-Type": "application/json",
                    "Lambda-Runtime-Function-Error-Type": _header_value(error_type)})


def _quote(request_id):
    return urllib.parse.quote(request_id or "", safe="")


def _header_value(text):
    # http.client sends str header values as Latin-1; an exception class may be named in any
    # script, so send UTF-8 bytes, as a C client would.
    return text.encode("utf-8")
