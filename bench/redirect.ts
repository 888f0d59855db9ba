// Redirect throughput: Blanca's GET /<code> against a bare node:http server answering the
// same 302, same load (wrk -t1 -c64, loopback: Debian's wrk, written in C, so the load generator
// takes less of the shared CPU than a Node one would). Each server runs in its own child process;
// wrk runs as a child of this script. Prints Blanca's throughput as a ratio of the bare
// server's, p99 latencies, and checks that every redirect Blanca answered was recorded as a
// scan after a graceful shutdown. Usage: node --import tsx bench/redirect.ts [seconds=6] [rounds=3]
// (seconds in all per server, split over the rounds; each wrk run lasts at least 1 s)
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ENGINES } from '../test/support/app.js';

type Engine = 'sqlite' | 'postgres';

const SECONDS = Number(process.argv[2] ?? 6);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 64;
const GOAL = 0.8;
const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const serverScript = fileURLToPath(new URL('./redirect-server.ts', import.meta.url));

interface Ready {
  port: number;
  code: string;
}

function start(mode: 'bare' | 'blanca', engine: Engine = 'sqlite'): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(serverScript, [mode, engine], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ready: message as Ready }));
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

function ask(child: ChildProcess, question: string): Promise<unknown> {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(question);
  });
}

function stop(child: ChildProcess): Promise<{ scans: number; counters?: Record<string, number> }> {
  return new Promise((resolve) => {
    child.once('message', (message) => {
      child.kill();
      resolve(message as { scans: number; counters?: Record<string, number> });
    });
    child.send('close');
  });
}

interface WrkResult {
  requests: number;
  reqPerSec: number;
  p99Ms: number;
  /** Socket errors (connect, read, write, timeout) together. */
  errors: number;
  /** Answers that were neither 2xx nor 3xx. */
  non3xx: number;
}

const WRK = process.env.WRK ?? '/usr/bin/wrk';
const run = promisify(execFile);

/** wrk's latency units (us, ms, s) to milliseconds. */
function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

function parseWrk(output: string): WrkResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const p99 = /^\s*99%\s+([0-9.]+)(us|ms|s|m)\b/m.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: number(/(\d+) requests in /),
    reqPerSec: Math.round(number(/Requests\/sec:\s+([0-9.]+)/)),
    p99Ms: p99 ? Math.round(toMs(p99[1] as string, p99[2] as string) * 100) / 100 : NaN,
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non3xx: number(/Non-2xx or 3xx responses: (\d+)/),
  };
}

async function load(url: string, seconds: number): Promise<WrkResult> {
  const { stdout } = await run(WRK, ['-t1', `-c${CONNECTIONS}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', '-H', `User-Agent: ${PHONE_UA}`, url]);
  return parseWrk(stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function measure(engine: Engine): Promise<void> {
  // Both servers run at once and take turns under load, round after round, so that drift on a
  // shared machine (other processes, thermal limits) hits both sides alike.
  const servers = { bare: await start('bare'), blanca: await start('blanca', engine) };
  const url = (mode: 'bare' | 'blanca') => `http://127.0.0.1:${servers[mode].ready.port}/${servers[mode].ready.code}`;
  const runs = { bare: [] as WrkResult[], blanca: [] as WrkResult[] };
  let blancaRedirects = 0;
  for (const mode of ['bare', 'blanca'] as const) {
    const warmUp = await load(url(mode), 1); // JIT, caches, connection setup
    if (mode === 'blanca') blancaRedirects += warmUp.requests - warmUp.non3xx;
  }
  let memory = null as { rssMb: number; heapMb: number } | null;
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['bare', 'blanca'] as const) {
      // Memory at steady load: sampled halfway through Blanca's last round.
      if (mode === 'blanca' && round === ROUNDS - 1) setTimeout(() => void ask(servers.blanca.child, 'memory').then((m) => (memory = m as typeof memory)), (SECONDS / ROUNDS) * 500);
      const result = await load(url(mode), SECONDS / ROUNDS);
      runs[mode].push(result);
      if (mode === 'blanca') blancaRedirects += result.requests - result.non3xx;
    }
  }
  await stop(servers.bare.child);
  const { scans, counters } = await stop(servers.blanca.child);
  const summary = (results: WrkResult[]) => ({
    reqPerSec: Math.round(results.reduce((sum, r) => sum + r.reqPerSec, 0) / results.length),
    p99Ms: median(results.map((r) => r.p99Ms)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non3xx: results.reduce((sum, r) => sum + r.non3xx, 0),
  });
  const bare = summary(runs.bare);
  const blanca = summary(runs.blanca);
  const ratio = blanca.reqPerSec / bare.reqPerSec;
  const report = {
    engine,
    memoryAtSteadyLoad: memory,
    secondsEach: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    bare,
    blanca,
    ratio: Math.round(ratio * 1000) / 1000,
    goal: GOAL,
    // Every 302 wrk saw (warm-up included) must be in qr_scans after the graceful
    // shutdown; the server may have answered a few more that wrk stopped waiting for.
    redirectsSeen: blancaRedirects,
    scansRecorded: scans,
    everyScanRecorded: scans >= blancaRedirects && scans === counters?.queued,
    recorder: counters,
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(`\n[${engine}] Blanca redirect throughput = ${(ratio * 100).toFixed(1)} % of bare node:http (goal ≥ ${GOAL * 100} %), p99 ${blanca.p99Ms} ms (bare ${bare.p99Ms} ms); scans recorded: ${scans} (wrk saw ${blancaRedirects} redirects); RSS at steady load ${memory?.rssMb ?? '?'} MB`);
  // A lost scan is a bug and fails the run; a low ratio is only reported (shared, noisy machines).
  if (!report.everyScanRecorded) process.exitCode = 1;
}

for (const engine of ENGINES) await measure(engine);
