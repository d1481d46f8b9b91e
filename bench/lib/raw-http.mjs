// A lean HTTP/1.1 keep-alive client for the paced (open-loop) generator: each request is one
// pre-built string written to an idle socket, and an answer is read as far as its status and
// length. Node's http.request costs about 200 µs of CPU per request on the 2-core machine (its
// ClientRequest/IncomingMessage streams, header checks, agent bookkeeping): at the bench's half
// load that was a quarter of a core taken from the collector it measures. autocannon, used for the
// closed-loop runs, writes pre-built requests on raw sockets for the same reason.
//
// Loopback only (the bench's targets); one request at a time per socket, as an http.Agent does.
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

export class RawHttpPool {
  /** @param {{ host: string, port: number, maxSockets: number }} options */
  constructor({ host, port, maxSockets }) {
    this.host = host;
    this.port = port;
    this.maxSockets = maxSockets;
    this.idle = [];
    this.open = 0;
    /** Requests waiting for a socket, oldest first (short: it only fills when all are busy). */
    this.queue = [];
  }

  /**
   * Sends `request` (the whole HTTP/1.1 request as a string) and calls `done(status)` with the
   * answer's status code, or `done(undefined, error)` on a connection error or after `timeoutMs`.
   */
  send(request, timeoutMs, done) {
    const socket = this.idle.pop() ?? (this.open < this.maxSockets ? this.connect() : undefined);
    if (!socket) return void this.queue.push({ request, timeoutMs, done });
    const state = socket.spur;
    state.job = done;
    state.timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
    socket.write(request);
  }

  destroy() {
    for (const socket of this.idle) socket.destroy();
    this.idle = [];
  }

  connect() {
    this.open++;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.spur = { job: undefined, timer: undefined, data: undefined, error: undefined };
    socket.on('data', (chunk) => this.onData(socket, chunk));
    socket.on('error', (error) => (socket.spur.error = error));
    // 'close' comes once, after 'error' if there was one.
    socket.on('close', () => {
      this.open--;
      const index = this.idle.indexOf(socket);
      if (index !== -1) this.idle.splice(index, 1);
      this.finish(socket, undefined, socket.spur.error ?? new Error('connection closed'));
      this.next();
    });
    return socket;
  }

  onData(socket, chunk) {
    const state = socket.spur;
    if (!state.job) return;
    const data = (state.data = state.data ? Buffer.concat([state.data, chunk]) : chunk);
    const headEnd = data.indexOf(HEADER_END);
    if (headEnd === -1) return;
    const head = data.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const bodyStart = headEnd + 4;
    if (length) {
      if (data.length < bodyStart + Number(length[1])) return;
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head) && data.indexOf('0\r\n\r\n', bodyStart) === -1) return;
    this.finish(socket, Number(head.slice(9, 12)));
    if (/\r\nconnection: *close/i.test(head)) socket.destroy();
    else {
      this.idle.push(socket);
      this.next();
    }
  }

  /** Ends the socket's request, if it has one: `done(status)` or `done(undefined, error)`. */
  finish(socket, status, error) {
    const state = socket.spur;
    const job = state.job;
    if (!job) return;
    state.job = undefined;
    state.data = undefined;
    clearTimeout(state.timer);
    job(status, error);
  }

  /** Hands free sockets (or new ones) to the oldest waiting requests. */
  next() {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.open < this.maxSockets)) {
      const { request, timeoutMs, done } = this.queue.shift();
      this.send(request, timeoutMs, done);
    }
  }
}
