"""A stand-in for the Lambda Runtime API (2018-06-01), for testing runtime clients alone.

It serves queued invocations on GET /next and records what the runtime posts back; the real
server is runtime/rapi (C++), which end-to-end tests exercise. Loopback only, port 0.

    api = FakeRuntimeApi()                 # starts serving on 127.0.0.1:<api.port>
    api.queue("req-1", b'{"a":1}')         # next /next returns this event
    proc = subprocess.Popen([...], env={"AWS_LAMBDA_RUNTIME_API": api.address, ...})
    post = api.wait_post(timeout=5)        # ("response"|"error"|"init_error", id, body, headers)
    api.close()

Prewarm: a client started with STRATUS_PREWARM=1 first calls GET /2018-06-01/stratus/claim, which
blocks until api.claim({"_HANDLER": ..., ...}) and answers {"env": {...}}: the variables the client
sets before it loads the handler (see runtime/rapi/runtime_api_server.h).
"""
import http.server
import json
import queue
import threading
import time


class FakeRuntimeApi:
    def __init__(self, function_arn="arn:aws:lambda:us-east-1:000000000000:function:f",
                 timeout_ms=3000):
        self._events = queue.Queue()
        self._posts = queue.Queue()
        self._claims = queue.Queue()
        self.claimed = threading.Event()
        self.function_arn = function_arn
        self.timeout_ms = timeout_ms
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/2018-06-01/stratus/claim":
                    env = api._claims.get()
                    api.claimed.set()
                    return self._reply(200, json.dumps({"env": env}).encode(),
                                       {"Content-Type": "application/json"})
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self._reply(404)
                request_id, payload, extra = api._events.get()
                if request_id is None:  # close(): end the runtime's long poll
                    return self._reply(500, b'{"errorMessage":"Internal Server Error",'
                                            b'"errorType":"InternalServerError"}')
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + api.timeout_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                    "Content-Type": "application/json",
                }
                headers.update(extra)
                self._reply(200, payload, headers)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = self.path.split("/")
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path == "/2018-06-01/runtime/init/error":
                    api._posts.put(("init_error", None, body, headers))
                elif len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                    api._posts.put((parts[5], parts[4], body, headers))
                else:
                    return self._reply(404)
                self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.address = "127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def queue(self, request_id, payload, headers=None):
        """Queues one invocation; payload is bytes (or any JSON value, encoded here)."""
        if not isinstance(payload, (bytes, bytearray)):
            payload = json.dumps(payload).encode()
        self._events.put((request_id, bytes(payload), headers or {}))

    def claim(self, env):
        """Answers a prewarmed client's claim with these environment variables."""
        self._claims.put(dict(env))

    def wait_post(self, timeout=10):
        """The next thing the runtime posted: (kind, request_id, body bytes, headers)."""
        return self._posts.get(timeout=timeout)

    def close(self):
        for _ in range(4):
            self._events.put((None, b"", {}))
        self._server.shutdown()
        self._server.server_close()
