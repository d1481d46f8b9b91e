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
    /** Requests waiting for a socket, oldest first. */
    this.queue = [];
    this.queueHead = 0;
  }

  /**
   * Sends `request` (the whole HTTP/1.1 request as a string) and calls `done(status)` with the
   * answer's status code, or `done(undefined, error)` on a connection error or after `timeoutMs`.
   */
  send(request, timeoutMs, done) {
    const socket = this.idle.pop();
    if (socket) this.start(socket, request, timeoutMs, done);
    else if (this.open < this.maxSockets) this.start(this.connect(), request, timeoutMs, done);
    else this.queue.push({ request, timeoutMs, done });
  }

  destroy() {
    for (const socket of this.idle) socket.destroy();
    this.idle = [];
  }

  connect() {
    this.open++;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.spur = { job: undefined, chunks: [], bytes: 0, timer: undefined };
    socket.on('data', (chunk) => this.onData(socket, chunk));
    const gone = (error) => {
      if (socket.spur.closed) return;
      socket.spur.closed = true;
      socket.destroy();
      this.open--;
      const index = this.idle.indexOf(socket);
      if (index !== -1) this.idle.splice(index, 1);
      this.finish(socket, undefined, error ?? new Error('connection closed'));
      this.next();
    };
    socket.on('error', gone);
    socket.on('close', () => gone());
    return socket;
  }

  start(socket, request, timeoutMs, done) {
    const state = socket.spur;
    state.job = done;
    state.chunks = [];
    state.bytes = 0;
    state.timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
    socket.write(request);
  }

  onData(socket, chunk) {
    const state = socket.spur;
    if (!state.job) return;
    state.chunks.push(chunk);
    state.bytes += chunk.length;
    const data = state.chunks.length === 1 ? chunk : Buffer.concat(state.chunks, state.bytes);
    state.chunks = [data];
    const headEnd = data.indexOf(HEADER_END);
    if (headEnd === -1) return;
    const head = data.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const bodyStart = headEnd + 4;
    let complete;
    if (length) complete = data.length >= bodyStart + Number(length[1]);
    else complete = /\r\ntransfer-encoding: *chunked/i.test(head) ? data.indexOf('0\r\n\r\n', bodyStart) !== -1 : true;
    if (!complete) return;
    const close = /\r\nconnection: *close/i.test(head);
    this.finish(socket, status);
    if (close) socket.destroy();
    else {
      this.idle.push(socket);
      this.next();
    }
  }

  finish(socket, status, error) {
    const state = socket.spur;
    const job = state.job;
    if (!job) return;
    state.job = undefined;
    state.chunks = [];
    clearTimeout(state.timer);
    if (status === undefined) job(undefined, error);
    else job(status);
  }

  /** Hands a free socket (or a new one) to the oldest waiting request. */
  next() {
    while (this.queueHead < this.queue.length && (this.idle.length > 0 || this.open < this.maxSockets)) {
      const { request, timeoutMs, done } = this.queue[this.queueHead++];
      this.send(request, timeoutMs, done);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }
}
