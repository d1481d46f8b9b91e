import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript module of the bench, without type declarations
import { RawHttpPool } from './raw-http.mjs';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type Answer = { status?: number; error?: string };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** A loopback server; `connections` counts the TCP connections it accepted. */
async function serve(handler: Handler): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

function request(body: string): string {
  return `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function send(pool: InstanceType<typeof RawHttpPool>, req: string, timeoutMs = 5_000): Promise<Answer> {
  return new Promise((done) => pool.send(req, timeoutMs, (status?: number, error?: Error) => done(status === undefined ? { error: error?.message } : { status })));
}

describe('RawHttpPool (the paced generator’s client)', () => {
  it('answers each request with its status and reuses keep-alive connections', async () => {
    const { port, connections } = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => res.writeHead(body === 'fail' ? 400 : 200, { 'content-type': 'application/json' }).end('{"accepted":1}'));
    });
    const pool = new RawHttpPool({ host: '127.0.0.1', port, maxSockets: 2 });
    for (let i = 0; i < 5; i++) expect(await send(pool, request('{"n":"—ü"}'))).toEqual({ status: 200 });
    expect(await send(pool, request('fail'))).toEqual({ status: 400 });
    expect(connections()).toBe(1);
    pool.destroy();
  });

  it('queues requests beyond maxSockets and sends them, oldest first, as connections free up', async () => {
    const order: string[] = [];
    const { port, connections } = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => setTimeout(() => (order.push(body), res.end('ok')), 20));
    });
    const pool = new RawHttpPool({ host: '127.0.0.1', port, maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(pool, request(String(i)))));
    expect(answers).toEqual(Array(8).fill({ status: 200 }));
    expect(connections()).toBe(2);
    pool.destroy();

    // On one connection the order the server sees is the order the pool sent them in.
    order.length = 0;
    const single = new RawHttpPool({ host: '127.0.0.1', port, maxSockets: 1 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => send(single, request(String(i)))));
    expect(order).toEqual(['0', '1', '2', '3', '4']);
    expect(connections()).toBe(3);
    single.destroy();
  });

  it('reads chunked answers, and opens a new connection after "Connection: close"', async () => {
    let n = 0;
    const { port, connections } = await serve((req, res) => {
      req.resume().on('end', () => {
        if (++n === 1) {
          res.setHeader('connection', 'close');
          res.end('bye');
        } else {
          res.writeHead(503);
          res.write('chunk one, ');
          setTimeout(() => res.end('chunk two'), 10);
        }
      });
    });
    const pool = new RawHttpPool({ host: '127.0.0.1', port, maxSockets: 4 });
    expect(await send(pool, request('a'))).toEqual({ status: 200 });
    expect(await send(pool, request('b'))).toEqual({ status: 503 });
    expect(await send(pool, request('c'))).toEqual({ status: 503 });
    expect(connections()).toBe(2);
    pool.destroy();
  });

  it('reports a request that is not answered in time as "timeout", and a refused connection as an error', async () => {
    const { port } = await serve(() => {});
    const pool = new RawHttpPool({ host: '127.0.0.1', port, maxSockets: 1 });
    expect(await send(pool, request('x'), 100)).toEqual({ error: 'timeout' });
    pool.destroy();

    const closed = await serve(() => {});
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    const refused = new RawHttpPool({ host: '127.0.0.1', port: closed.port, maxSockets: 1 });
    const answer = await send(refused, request('x'));
    expect(answer.status).toBeUndefined();
    expect(answer.error).toMatch(/ECONNREFUSED/);
  });
});
