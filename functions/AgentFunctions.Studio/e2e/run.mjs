// Runs one browser scenario against a running host:
//   node e2e/run.mjs --base http://127.0.0.1:PORT --key KEY --out DIR --scenario NAME
// Launches Debian's chromium through playwright-core (no browser download), runs e2e/scenarios/NAME.mjs, saves a PNG
// per main screen to DIR, runs axe-core on each (any serious or critical violation fails the run) and prints one JSON
// line of results. Every wait has a timeout and the whole run is bounded; only the host's own origin is reachable.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs } from './browser.mjs';

const require = createRequire(import.meta.url);
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
  return pairs;
}, []));
const base = (args.base ?? '').replace(/\/$/, '');
const key = args.key ?? '';
const out = args.out ?? 'e2e-out';
const scenario = args.scenario ?? 'signin';
const executablePath = args.chromium ?? process.env.STUDIO_CHROMIUM ?? '/usr/bin/chromium';
const overallMs = Number(args.timeout ?? 90000);
// A shared browser started by e2e/browser.mjs (the test fixture starts one for all scenarios); else launch our own.
const ws = args.ws ?? process.env.STUDIO_BROWSER_WS ?? '';

const result = { scenario, ok: false, screens: [], checks: [], error: null, duration_ms: 0 };
const started = Date.now();
let browser;

function finish(code) {
  result.duration_ms = Date.now() - started;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(code);
}

const watchdog = setTimeout(async () => {
  result.error = `scenario '${scenario}' did not finish within ${overallMs} ms`;
  try { await browser?.close(); } catch { /* closing anyway */ }
  finish(2);
}, overallMs);

try {
  if (!base.startsWith('http://127.0.0.1:')) throw new Error(`--base must be http://127.0.0.1:PORT, got '${base}'`);
  mkdirSync(out, { recursive: true });
  const { default: run } = await import(new URL(`./scenarios/${scenario}.mjs`, import.meta.url).href);
  if (ws && !ws.startsWith('ws://127.0.0.1:')) throw new Error(`--ws must be ws://127.0.0.1:PORT/..., got '${ws}'`);
  browser = ws
    ? await chromium.connect(ws, { timeout: 30000 })
    : await chromium.launch({ executablePath, headless: true, args: chromiumArgs, timeout: 30000 });
  // A fresh context per run: its own storage, so a scenario on a shared browser sees nothing of another.
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: base });
  result.browser = ws ? 'shared' : 'own';
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.setDefaultNavigationTimeout(20000);
  const origin = new URL(base).origin;
  // Talks only to the host under test.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    return route.abort('blockedbyclient');
  });
  const consoleErrors = [];
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  const ctx = {
    base,
    key,
    out,
    studio: `${base}/studio/`,
    /** Records a named check; throws when it fails, so the scenario stops there. */
    check(name, ok, detail) {
      result.checks.push({ name, ok: Boolean(ok), detail: detail === undefined ? undefined : String(detail) });
      if (!ok) throw new Error(`check failed: ${name}${detail === undefined ? '' : ` (${detail})`}`);
    },
    /** A PNG of the page as it is now, and axe-core on it; serious/critical violations fail the run at the end. */
    async screen(name) {
      await page.waitForLoadState('load');
      const file = join(out, `${scenario}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      await page.addScriptTag({ path: require.resolve('axe-core') });
      const axe = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        // label-content-name-mismatch (WCAG 2.5.3: a control's accessible name contains its visible text) is off by
        // default in axe-core (experimental); it is on here.
        const r = await window.axe.run(document, { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } } });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
      });
      const blocking = axe.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      result.screens.push({ name, screenshot: file, violations: axe, blocking: blocking.length });
    },
    /** A call to the API with the key (for a scenario's setup), answering the parsed JSON; throws on a non-2xx not in `allow`. */
    async api(method, path, body, allow = []) {
      const response = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15000),
      });
      const text = await response.text();
      const json = text ? JSON.parse(text) : null;
      if (!response.ok && !allow.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
      return { status: response.status, json, etag: response.headers.get('etag') };
    },
    /** Opens the Studio and signs in with the key. */
    async signIn() {
      await page.goto(`${base}/studio`);
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-testid="tenant"]').waitFor();
    },
    unique(prefix) {
      return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    },
  };

  await run(page, ctx);
  if (consoleErrors.length) result.checks.push({ name: 'no page errors', ok: false, detail: consoleErrors.join(' | ') });
  const blocking = result.screens.filter((s) => s.blocking > 0);
  if (blocking.length) {
    result.error = `axe-core found serious or critical violations on: ${blocking.map((s) => `${s.name} (${s.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id).join(', ')})`).join('; ')}`;
  } else if (consoleErrors.length) {
    result.error = `page errors: ${consoleErrors.join(' | ')}`;
  } else {
    result.ok = true;
  }
  await context.close();
  await browser.close();
  clearTimeout(watchdog);
  finish(result.ok ? 0 : 1);
} catch (err) {
  result.error = String(err && err.stack ? err.stack.split('\n').slice(0, 4).join(' | ') : err);
  try { await browser?.close(); } catch { /* closing anyway */ }
  clearTimeout(watchdog);
  finish(1);
}
