// Ceiling (a): the least a Node HTTP server must do for a batch — the same Fastify the collector
// uses (resolved from services/collector), the body read as text, JSON.parse'd, answered with
// {accepted: n}. No validation, enrichment, spool or ClickHouse. Run as its own process:
//   node bench/lib/bare-server.mjs <port>
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(repo, 'services/collector/package.json'));
const Fastify = require('fastify');

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false, bodyLimit: 262_144 });
app.removeAllContentTypeParsers();
app.addContentTypeParser(['text/plain', 'application/json'], { parseAs: 'string', bodyLimit: 262_144 }, (_req, body, done) => done(null, body));
app.post('/v1/batch', async (request) => {
  const batch = JSON.parse(request.body);
  return { accepted: batch.events.length, rejected: [] };
});
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`bare fastify ${app.version} listening on ${port}\n`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
