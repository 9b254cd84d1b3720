// One chromium for many scenario runs: `node e2e/browser.mjs` launches Debian's chromium through playwright-core as a
// browser server on 127.0.0.1 and prints one JSON line { "ws": "ws://127.0.0.1:PORT/..." }; `run.mjs --ws <that>`
// connects to it instead of launching its own. Each run still gets a fresh browser context (its own storage, cookies,
// session storage), so scenarios stay isolated. The server stops when its stdin closes (its parent went away), on
// SIGTERM/SIGINT, or after --timeout ms (default 15 minutes), so it never outlives the tests.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []));
  const executablePath = args.chromium ?? process.env.STUDIO_CHROMIUM ?? '/usr/bin/chromium';
  const server = await chromium.launchServer({ executablePath, headless: true, args: chromiumArgs, host: '127.0.0.1', timeout: 30000 });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try { await server.close(); } catch { /* closing anyway */ }
    process.exit(0);
  };
  process.stdout.write(`${JSON.stringify({ ws: server.wsEndpoint() })}\n`);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setTimeout(stop, Number(args.timeout ?? 15 * 60 * 1000)).unref();
}
