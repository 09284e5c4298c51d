// A minimal HTTP/1.1 client for the Runtime API's plain requests (/next, the answer posts, the
// claim). node:http's client costs more per request than a small handler's whole invocation
// (a ClientRequest and an IncomingMessage stream each, header validation, the Agent's
// bookkeeping, several writes); here a request is one write and its answer is parsed from the
// socket's chunks. The server is Stratus's own (runtime/rapi): its answers carry
// Content-Length, or end with the connection.
//
// Sockets: one per request in flight (an error post must not wait behind the long poll on
// /next), kept for reuse after it. An idle socket is unref'd, as node:http's keep-alive Agent
// does, so that our connection never keeps the event loop alive: 'beforeExit' still fires
// (before_exit.mjs). A socket's error after its answer was read (the EPIPE of a body the server
// refused with 413 and closed on) belongs to no request and is dropped.
//
// Reads land in a buffer of the socket's own (net's `onread`): no Readable stream in between,
// which costs more per answer (push, a Buffer per read, 'data' events, nextTicks) than the
// parsing here. A read is a view of that buffer, good until the callback returns: what must
// outlive it (a head or body split over reads) is copied.
import net from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
const READ_BUFFER_BYTES = 64 * 1024;

function connectionError(message, code) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// One request on one socket; `done(err, status, headers, body)` exactly once.
class Exchange {
  constructor(done, reusedSocket) {
    this.done = done;
    this.reusedSocket = reusedSocket;  // the socket had served an earlier request
    this.head = null;       // Buffer of the status line and headers while incomplete
    this.status = 0;
    this.headers = null;    // lower-case names, as node:http gives them
    this.length = -1;       // Content-Length; -1: the body ends with the connection
    this.keepAlive = true;
    this.chunks = [];
    this.received = 0;
    this.finished = false;
  }
}

export class RapidHttp {
  constructor(hostname, port) {
    this.hostname = hostname;
    this.port = port;
    this.hostHeader = `Host: ${hostname}:${port}\r\n`;
    this.idle = [];
  }

  // `headers`: an object of header names to values (already header-safe); `body`: a string
  // (sent as UTF-8), a Buffer or undefined. `done(err, status, headers, body)`: err is set when the socket
  // failed before the answer was complete; err.reusedSocket says whether it had served an
  // earlier request (the server may have closed it just as it was reused).
  request(method, path, headers, body, done) {
    let head = `${method} ${path} HTTP/1.1\r\n${this.hostHeader}`;
    for (const name of Object.keys(headers)) head += `${name}: ${headers[name]}\r\n`;
    if (body !== undefined) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    head += '\r\n';
    const socket = this._take();
    const reused = socket.stratusUsed === true;
    socket.stratusUsed = true;
    socket.stratusExchange = new Exchange(done, reused);
    // One write: the head and the body go out together.
    if (body === undefined) socket.write(head, 'latin1');
    else if (typeof body === 'string') socket.write(head + body, 'utf8');
    else socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  }

  _take() {
    while (this.idle.length > 0) {
      const socket = this.idle.pop();
      if (!socket.destroyed) {
        socket.ref();
        return socket;
      }
    }
    const socket = net.connect({ host: this.hostname, port: this.port, onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (n, buffer) => { this._onData(socket, buffer.subarray(0, n)); },
    } });
    socket.setNoDelay(true);
    socket.stratusExchange = null;
    socket.on('error', (e) => this._fail(socket, e));
    socket.on('close', () => {
      const i = this.idle.indexOf(socket);
      if (i >= 0) this.idle.splice(i, 1);
      const x = socket.stratusExchange;
      if (x && x.headers && x.length < 0) return this._complete(socket, x);  // read to the end
      this._fail(socket, connectionError('socket hang up', 'ECONNRESET'));
    });
    return socket;
  }

  _fail(socket, error) {
    const x = socket.stratusExchange;
    socket.stratusExchange = null;
    socket.destroy();
    if (x && !x.finished) {
      x.finished = true;
      error.reusedSocket = x.reusedSocket;
      x.done(error);
    }
  }

  // `chunk`: a view of the socket's read buffer, valid during this call only.
  _onData(socket, chunk) {
    const x = socket.stratusExchange;
    if (!x) return;  // nothing asked: not ours to read
    if (!x.headers) {
      const buffered = x.head ? Buffer.concat([x.head, chunk]) : chunk;
      const end = buffered.indexOf(HEAD_END);
      if (end < 0) {
        x.head = buffered === chunk ? Buffer.from(chunk) : buffered;
        return;
      }
      if (!this._parseHead(x, buffered.toString('latin1', 0, end))) {
        return this._fail(socket, connectionError('malformed answer', 'HPE_INVALID'));
      }
      x.head = null;
      chunk = buffered.subarray(end + HEAD_END.length);
    }
    if (chunk.length > 0) {
      x.chunks.push(chunk);
      x.received += chunk.length;
    }
    if (x.length >= 0 && x.received >= x.length) return this._complete(socket, x);
    // The rest comes in later reads: keep a copy of this one.
    if (chunk.length > 0) x.chunks[x.chunks.length - 1] = Buffer.from(chunk);
  }

  _parseHead(x, text) {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!status) return false;
    x.status = Number(status[1]);
    x.headers = {};
    for (let i = 1; i < lines.length; ++i) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) continue;
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      x.headers[name] = name in x.headers ? `${x.headers[name]}, ${value}` : value;
    }
    if (x.headers['content-length'] !== undefined) x.length = Number(x.headers['content-length']);
    if (!Number.isSafeInteger(x.length) || (x.status >= 100 && x.status < 200)) return false;
    if (x.status === 204 || x.status === 304) x.length = 0;
    const connection = x.headers.connection;
    x.keepAlive = x.length >= 0 && (connection === undefined ||
      !connection.toLowerCase().split(',').some((t) => t.trim() === 'close'));
    return true;
  }

  _complete(socket, x) {
    if (x.finished) return;
    x.finished = true;
    socket.stratusExchange = null;
    const bytes = x.chunks.length === 1 ? x.chunks[0] : Buffer.concat(x.chunks);
    const body = bytes.toString('utf8', 0, x.length >= 0 ? x.length : bytes.length);
    if (x.keepAlive && !socket.destroyed) {
      socket.unref();
      this.idle.push(socket);
    } else {
      socket.destroy();
    }
    x.done(null, x.status, x.headers, body);
  }
}
