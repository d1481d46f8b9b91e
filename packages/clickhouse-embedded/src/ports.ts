import { createServer } from 'node:net';

/** Listens on `port` (0: any) and closes again; resolves with the port the OS gave. */
function probe(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read the address of a listener on ${host}`));
      });
    });
  });
}

/** A TCP port that is free on `host` right now (someone else may still take it before you do). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return probe(0, host);
}

/** False when something already listens on `host:port`; other errors (e.g. a bad host) throw. */
export async function isPortFree(port: number, host: string): Promise<boolean> {
  try {
    await probe(port, host);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw error;
  }
}
