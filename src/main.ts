import { ConfigError, loadConfig } from './config.js';
import { DatabaseStartupError } from './db/faults.js';
import { createBlanca } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const blanca = await createBlanca(config, { logger: { level: config.LOG_LEVEL, redact: ['req.headers.cookie', 'req.headers.authorization'] } });
  const log = blanca.app.log;
  if (blanca.firstStart) {
    const { accountSlug, email, generatedPassword } = blanca.firstStart;
    // Printed once, on the console only: the password is not stored anywhere readable.
    console.log(`\nFirst start: created the account "${accountSlug}" and its owner.\n  Sign in at ${config.publicUrl}/login\n  Email:    ${email}\n  Password: ${generatedPassword ?? '(from BLANCA_ADMIN_PASSWORD)'}\n`);
  }
  await blanca.app.listen({ port: config.PORT, host: config.HOST });
  log.info({ engine: blanca.deps.engine, url: config.publicUrl }, 'Blanca is running');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests');
    const timer = setTimeout(() => {
      log.error('shutdown took longer than 20 s; exiting');
      process.exit(1);
    }, 20_000);
    timer.unref();
    await blanca.close();
    // The scan queue's final tally: after a graceful stop, queued = written + skipped + dropped
    // (dropped 0 unless the queue overflowed or the database was unreachable to the end).
    const { queued, written, skippedDeletedCode, dropped } = blanca.app.qr.recorder.counters;
    if (dropped > 0) log.error({ scans: { queued, written, skippedDeletedCode, dropped } }, 'stopped');
    else log.info({ scans: { queued, written, skippedDeletedCode, dropped } }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Configuration and database-reachability problems are one line; anything else keeps its stack.
  console.error(error instanceof ConfigError || error instanceof DatabaseStartupError ? error.message : error);
  process.exit(1);
});
