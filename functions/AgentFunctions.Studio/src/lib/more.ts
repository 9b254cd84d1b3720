// Helpers of the Tools, Credentials, Triggers, Knowledge, Usage and Admin screens (studio-more's own module; api.ts and
// ui.ts stay as studio-core wrote them).
import { Api, pages } from '../api';
import { h, restoreFocusAfter, uid } from '../ui';

/** A JSON schema typed in by hand: parsed and checked to be an object schema. `error` says what is wrong, for the field. */
export function checkObjectSchema(text: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { error: 'is required: a JSON schema of type "object"' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { error: `is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { error: 'must be a JSON object (a schema), not an array or a value' };
  const schema = parsed as Record<string, unknown>;
  if (schema.type !== 'object') return { error: 'must have "type": "object" (a tool takes named arguments)' };
  const properties = schema.properties;
  if (properties !== undefined && (typeof properties !== 'object' || properties === null || Array.isArray(properties))) {
    return { error: '"properties" must be an object of property schemas' };
  }
  for (const [name, property] of Object.entries((properties ?? {}) as Record<string, unknown>)) {
    if (!property || typeof property !== 'object' || Array.isArray(property)) return { error: `"properties.${name}" must be a schema object` };
  }
  const required = schema.required;
  if (required !== undefined) {
    if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) return { error: '"required" must be an array of property names' };
    const missing = (required as string[]).filter((r) => !(properties && r in (properties as object)));
    if (missing.length) return { error: `"required" names properties that are not in "properties": ${missing.join(', ')}` };
  }
  return { value: schema };
}

/** Standard Webhooks: base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" with the secret's base64 bytes (after "whsec_"), as "v1,<sig>". */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const raw = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const keyBytes = Uint8Array.from(atob(raw), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  let binary = '';
  for (const byte of new Uint8Array(signature)) binary += String.fromCharCode(byte);
  return `v1,${btoa(binary)}`;
}

/** A shell-quoted single argument. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The curl command that delivers `body` signed as Standard Webhooks says. */
export function signedCurl(url: string, id: string, timestamp: number, signature: string, body: string): string {
  return [
    `curl -X POST ${shellQuote(url)}`,
    `  -H 'Content-Type: application/json'`,
    `  -H ${shellQuote(`webhook-id: ${id}`)}`,
    `  -H ${shellQuote(`webhook-timestamp: ${timestamp}`)}`,
    `  -H ${shellQuote(`webhook-signature: ${signature}`)}`,
    `  --data-raw ${shellQuote(body)}`,
  ].join(' \\\n');
}

export interface AgentSummary {
  id: string;
  /** The API puts the name in the spec (`spec.name`); `name` is read when a list ever carries it on top. */
  name?: string;
  spec?: { name?: string };
  enabled?: boolean;
}

/** An agent's display name: its spec's name, else its id. */
export function agentName(agent: AgentSummary): string {
  return agent.spec?.name ?? agent.name ?? agent.id;
}

/** The tenant's agents (first 500) for pickers. */
export async function listAgents(api: Api): Promise<AgentSummary[]> {
  const agents: AgentSummary[] = [];
  for await (const agent of pages<AgentSummary>(api, '/agents', { limit: 100 })) {
    agents.push(agent);
    if (agents.length >= 500) break;
  }
  return agents;
}

/** A select of agents, labelled by the caller through field(). */
export function agentSelect(agents: AgentSummary[], selected?: string): HTMLSelectElement {
  return h('select', null,
    agents.length === 0 ? h('option', { value: '' }, 'No agents yet: create one first') : null,
    agents.map((a) => h('option', { value: a.id, selected: a.id === selected ? true : undefined }, `${agentName(a)} (${a.id})`)));
}

/** Downloads a CSV the API makes with Accept: text/csv (the key in the Authorization header, never in a URL). */
export async function downloadCsv(api: Api, path: string, query: Record<string, string>, fileName: string): Promise<void> {
  const response = await api.raw(path, { method: 'GET', headers: { Accept: 'text/csv' } }, query);
  if (!response.ok) await Api.read(response);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: fileName, hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Comma or newline separated text as a trimmed list. */
export function splitList(text: string): string[] {
  return text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

/** "key=value" lines as an object. */
export function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** Runs `tick` every `ms` while `anchor` is in the document; stops by itself when the screen changes. */
export function whileShown(anchor: Element, ms: number, tick: () => Promise<boolean | void> | boolean | void): void {
  const timer = window.setInterval(async () => {
    if (!anchor.isConnected) {
      window.clearInterval(timer);
      return;
    }
    try {
      if ((await tick()) === false) window.clearInterval(timer);
    } catch {
      // The next tick tries again.
    }
  }, ms);
}

/** A modal dialog with a title and content; resolves when closed. */
export function dialog(title: string, ...content: Node[]): { element: HTMLDialogElement; closed: Promise<void> } {
  const titleId = uid('dlg');
  const close = h('button', { type: 'button' }, 'Close');
  const element = h('dialog', { class: 'dialog wide', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title), ...content, h('div', { class: 'actions' }, close));
  const closed = new Promise<void>((resolve) => {
    close.addEventListener('click', () => element.close());
    element.addEventListener('close', () => {
      element.remove();
      resolve();
    });
  });
  restoreFocusAfter(element);
  document.body.appendChild(element);
  element.showModal();
  return { element, closed };
}

/** A number with thousands separators; '—' for null. */
export function num(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toLocaleString('en-US');
}

// The styles of these screens, kept beside their code (static/styles.css is the shell's).
const moreStyles = `
.dropzone { border: 2px dashed #7b8794; border-radius: 6px; padding: 1rem; margin: 0.75rem 0; background: #fff; }
.dropzone.over { border-color: var(--accent); background: #e1ecf8; }
.secret-field { display: flex; gap: 0.5rem; align-items: center; margin: 0.3rem 0; }
.hits { list-style: none; padding: 0; }
.hit-head { display: flex; justify-content: space-between; gap: 1rem; }
.chart-box { position: relative; height: 280px; }
.chart { margin: 0.75rem 0; }
.dialog.wide { max-width: 56rem; width: 90vw; }
textarea.code { font-family: ui-monospace, Menlo, Consolas, monospace; }
.period { display: flex; gap: 1rem; align-items: flex-end; flex-wrap: wrap; }
progress { width: 8rem; vertical-align: middle; }
`;
if (typeof document !== 'undefined' && !document.getElementById('studio-more-styles')) {
  const style = document.createElement('style');
  style.id = 'studio-more-styles';
  style.textContent = moreStyles;
  document.head.appendChild(style);
}
