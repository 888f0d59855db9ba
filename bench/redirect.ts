// Redirect throughput: Blanca's GET /<code> against a bare node:http server answering the
// same 302, same load (autocannon, 64 connections, loopback). Each server runs in its own
// child process; autocannon runs here. Prints Blanca's throughput as a ratio of the bare
// server's, p99 latencies, and checks that every redirect Blanca answered was recorded as a
// scan after a graceful shutdown. Usage: node --import tsx bench/redirect.ts [seconds]
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ENGINES } from '../test/support/app.js';

type Engine = 'sqlite' | 'postgres';

const SECONDS = Number(process.argv[2] ?? 6);
const ROUNDS = 3;
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

async function load(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, headers: { 'user-agent': PHONE_UA } });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function measure(engine: Engine): Promise<void> {
  // Both servers run at once and take turns under load, round after round, so that drift on a
  // shared machine (other processes, thermal limits) hits both sides alike.
  const servers = { bare: await start('bare'), blanca: await start('blanca', engine) };
  const url = (mode: 'bare' | 'blanca') => `http://127.0.0.1:${servers[mode].ready.port}/${servers[mode].ready.code}`;
  const runs = { bare: [] as autocannon.Result[], blanca: [] as autocannon.Result[] };
  let blancaRedirects = 0;
  for (const mode of ['bare', 'blanca'] as const) {
    const warmUp = await load(url(mode), 1); // JIT, caches, connection setup
    if (mode === 'blanca') blancaRedirects += warmUp['3xx'];
  }
  let memory = null as { rssMb: number; heapMb: number } | null;
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['bare', 'blanca'] as const) {
      // Memory at steady load: sampled halfway through Blanca's last round.
      if (mode === 'blanca' && round === ROUNDS - 1) setTimeout(() => void ask(servers.blanca.child, 'memory').then((m) => (memory = m as typeof memory)), (SECONDS / ROUNDS) * 500);
      const result = await load(url(mode), SECONDS / ROUNDS);
      runs[mode].push(result);
      if (mode === 'blanca') blancaRedirects += result['3xx'];
    }
  }
  await stop(servers.bare.child);
  const { scans, counters } = await stop(servers.blanca.child);
  const summary = (results: autocannon.Result[]) => ({
    reqPerSec: Math.round(results.reduce((sum, r) => sum + r.requests.average, 0) / results.length),
    p99Ms: median(results.map((r) => r.latency.p99)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non3xx: results.reduce((sum, r) => sum + r.non2xx - r['3xx'], 0),
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
    // Every 302 autocannon saw (warm-up included) must be in qr_scans after the graceful
    // shutdown; the server may have answered a few more that autocannon stopped waiting for.
    redirectsSeen: blancaRedirects,
    scansRecorded: scans,
    everyScanRecorded: scans >= blancaRedirects && scans === counters?.queued,
    recorder: counters,
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(`\n[${engine}] Blanca redirect throughput = ${(ratio * 100).toFixed(1)} % of bare node:http (goal ≥ ${GOAL * 100} %), p99 ${blanca.p99Ms} ms (bare ${bare.p99Ms} ms); scans recorded: ${scans} (autocannon saw ${blancaRedirects} redirects); RSS at steady load ${memory?.rssMb ?? '?'} MB`);
  // A lost scan is a bug and fails the run; a low ratio is only reported (shared, noisy machines).
  if (!report.everyScanRecorded) process.exitCode = 1;
}

for (const engine of ENGINES) await measure(engine);
