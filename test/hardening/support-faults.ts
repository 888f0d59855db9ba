import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A TCP proxy on loopback in front of PostgreSQL that the test switches off and on: `cut()`
 * closes the listening port (new connections: ECONNREFUSED) and resets every open connection
 * (as a crashed server or a fail-over would); `restore()` listens on the same port again.
 */
export class DatabaseProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.upstreamPort, this.upstreamHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.resetAndDestroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  restore(): Promise<void> {
    return this.start();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Instance {
  child: ChildProcess;
  origin: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `node --import tsx src/main.ts`, as in production, on a free loopback port. */
export async function spawnBlanca(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: 'http://blanca.test', LOG_LEVEL: 'info', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, origin: `http://127.0.0.1:${port}`, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Polls until `check` is true (or throws after `ms`, with `context()` in the message). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms: number, context: () => string = () => ''): Promise<void> {
  for (const deadline = Date.now() + ms; ; ) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function statusOf(url: string): Promise<number | null> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

/**
 * Keep-alive GETs of `path` from `workers` loops until stop() is called: every response is
 * counted exactly (unlike autocannon, which leaves the last one in flight uncounted).
 */
export function redirectLoad(origin: string, path: string, userAgent: string, workers = 8) {
  const { hostname, port } = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const statuses: Record<string, number> = {};
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      http
        .get({ host: hostname, port, path, agent, headers: { 'user-agent': userAgent } }, (res) => {
          const key = String(res.statusCode);
          res.resume();
          res.on('end', () => {
            statuses[key] = (statuses[key] ?? 0) + 1;
            resolve();
          });
        })
        .on('error', (error: NodeJS.ErrnoException) => {
          statuses[error.code ?? 'error'] = (statuses[error.code ?? 'error'] ?? 0) + 1;
          resolve();
        });
    });
  const loops = Array.from({ length: workers }, async () => {
    while (running) await one();
  });
  return {
    statuses,
    async stop(): Promise<Record<string, number>> {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return statuses;
    },
  };
}
