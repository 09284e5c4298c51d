// The Lambda Runtime API (2018-06-01) over HTTP to $AWS_LAMBDA_RUNTIME_API, plus Stratus's
// /stratus/claim for prewarmed processes. The invoke loop's requests go through rapid_http.mjs
// (keep-alive sockets of our own, unref'd when idle, so our connection never keeps the event
// loop alive and 'beforeExit', the callback handlers' "event loop is empty", still fires);
// response streaming's chunked POST through node:http.
//
// The invoke loop's answer posts carry Stratus-Then-Next: 1 (runtime/rapi/runtime_api_server.h):
// Stratus's server then holds the post and answers it with the next invocation, which
// nextInvocation() hands out without asking. An answer of 202 or 4xx (a server without it, a
// refused post) leaves nothing prefetched, and the next /next is asked for as usual.
//
// A failed connection or a 5xx means the environment is gone: exit(1). A 4xx answer to a post
// (an invocation already answered, a body over the size limit) is the server's to record; the
// runtime carries on, as the RIC does.
import http from 'node:http';
import { RapidHttp } from './rapid_http.mjs';
import { toRapidResponse, xrayCause } from './errors.mjs';

const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const THEN_NEXT_HEADER = 'Stratus-Then-Next';
const REQUEST_ID_HEADER = 'lambda-runtime-aws-request-id';
const XRAY_CAUSE_HEADER = 'Lambda-Runtime-Function-XRay-Error-Cause';
// The X-Ray cause rides in a header; a huge stack must not push the request past the server's
// header limit and lose the error itself.
const MAX_XRAY_CAUSE = 16 * 1024;
// Lambda's response limit (6 MiB + 100). A bigger body may be cut off by the server's 413.
const MAX_RESPONSE_BYTES = 6291556;

// Header values must be Latin-1 without control characters, or http.request throws.
function headerSafe(value) {
  return String(value).replace(/[^\t\x20-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

// JSON text with every non-ASCII character \u-escaped: still the same JSON, now header-safe.
function asciiJson(text) {
  const escape = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return text.replace(/[^\x20-\x7e]/g, escape);
}

function fatal(message) {
  process.stderr.write(`stratus: ${message}; exiting\n`);
  process.exit(1);
}

export class RuntimeApiClient {
  constructor(hostPort) {
    if (!hostPort) fatal('AWS_LAMBDA_RUNTIME_API is not set');
    const colon = hostPort.lastIndexOf(':');
    this.hostname = hostPort.slice(0, colon);
    this.port = parseInt(hostPort.slice(colon + 1), 10);
    this.rapid = new RapidHttp(this.hostname, this.port);
    this.agent = new http.Agent({ keepAlive: true });  // streaming only
    this.prefetched = null;  // {headers, body} of an invocation that answered a post
  }

  // One request; `done(status, headers, body)` once the answer is read. A failed connection
  // exits, except the one race keep-alive has: the server closed a pooled socket just as it was
  // reused. That request never reached the server, so it is sent once more on a new socket.
  _send(method, path, headers, body, done, retried = false) {
    this.rapid.request(method, path, headers, body, (e, status, answerHeaders, answer) => {
      if (!e) return done(status, answerHeaders, answer);
      if (e.code === 'ECONNRESET' && e.reusedSocket && !retried) {
        return this._send(method, path, headers, body, done, true);
      }
      // The server answers an oversized body with 413 and closes while we are still writing:
      // it has recorded the invocation's outcome, so carry on.
      if (body !== undefined && Buffer.byteLength(body) > MAX_RESPONSE_BYTES &&
          ['EPIPE', 'ECONNRESET'].includes(e.code)) {
        return done(413, {}, '');
      }
      fatal(`${method} ${path} failed: ${e.message}`);
    });
  }

  // Resolves {headers, body} of a 2xx; anything else exits. Never times out: /next and /claim
  // block until the server has something.
  _get(path) {
    return new Promise((resolve) => {
      this._send('GET', path, {}, undefined, (status, headers, body) => {
        if (status < 200 || status > 299) fatal(`GET ${path} answered ${status} ${body}`);
        resolve({ headers, body });
      });
    });
  }

  // `thenNext`: the post also asks for the next invocation (see the top of this file); only
  // for posts after which the runtime carries on with /next.
  _post(path, body, headers, callback, thenNext) {
    // Not text (a handler's value JSON.stringify makes nothing of): throws, as node:http did.
    if (typeof body !== 'string') body = Buffer.from(body, 'utf8');
    headers['Content-Type'] = 'application/json';
    if (thenNext) headers[THEN_NEXT_HEADER] = '1';
    this._send('POST', path, headers, body, (status, answerHeaders, answer) => {
      if (status >= 500) fatal(`POST ${path} answered ${status}`);
      if (thenNext && status === 200 && answerHeaders[REQUEST_ID_HEADER] !== undefined) {
        this.prefetched = { headers: answerHeaders, body: answer };
      }
      callback();
    });
  }

  // The prewarm claim: blocks until the server assigns this process to a function; answers the
  // environment variables to set before the handler loads.
  async claim() {
    const { body } = await this._get('/2018-06-01/stratus/claim');
    return JSON.parse(body).env ?? {};
  }

  // {bodyJson, headers}: the event text and the invocation's headers (lower-case names).
  async nextInvocation() {
    const prefetched = this.prefetched;
    this.prefetched = null;
    const { headers, body } = prefetched ?? await this._get('/2018-06-01/runtime/invocation/next');
    return { bodyJson: body, headers };
  }

  // `body` is already JSON text (serialising is the caller's: a failure there is the
  // invocation's error, not the transport's). `thenNext`: `callback` runs once the next
  // invocation is here (or the post was answered without one), for nextInvocation() to take.
  postInvocationResponse(body, id, callback, { thenNext = false } = {}) {
    this._post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, body, {},
      callback, thenNext);
  }

  postInvocationError(error, id, callback, { thenNext = false } = {}) {
    const response = toRapidResponse(error);
    const headers = { [ERROR_TYPE_HEADER]: headerSafe(response.errorType) };
    const cause = xrayCause(error);
    if (cause && cause.length <= MAX_XRAY_CAUSE) headers[XRAY_CAUSE_HEADER] = asciiJson(cause);
    this._post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`,
      JSON.stringify(response), headers, callback, thenNext);
  }

  postInitError(error, callback) {
    const response = toRapidResponse(error);
    this._post('/2018-06-01/runtime/init/error', JSON.stringify(response),
      { [ERROR_TYPE_HEADER]: headerSafe(response.errorType) }, callback);
  }

  // Response streaming: a chunked POST whose errors travel as trailers (see streaming.mjs).
  streamRequest(id, headers, onResponse) {
    return http.request({ hostname: this.hostname, port: this.port, method: 'POST',
      path: `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
      agent: this.agent, headers }, onResponse);
  }
}
