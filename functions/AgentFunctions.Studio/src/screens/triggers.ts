// Triggers: webhooks (the signing secret shown once, with a signed curl example computed here with WebCrypto exactly as
// Standard Webhooks defines), timers (the next five fire times previewed in their time zone), polling triggers
// (http_poll, gmail, hubspot) with their options; each trigger's health and its events, paged.
import type { Page } from '../api';
import { h, field, heading, pagedTable, pageLoader, showFormProblem, showProblem, clearErrors, placeErrors, badge, toast, when, copyButton } from '../ui';
import { ProblemError } from '../api';
import { agentSelect, dialog, listAgents, signWebhook, signedCurl, whileShown } from '../lib/more';
import type { Screen, ScreenContext } from './types';

type System = 'webhook' | 'timer' | 'http_poll' | 'gmail' | 'hubspot';

interface TriggerOptions {
  cron?: string | null;
  time_zone?: string | null;
  catch_up?: string | null;
  url?: string | null;
  items_path?: string | null;
  id_field?: string | null;
  timestamp_field?: string | null;
  interval_seconds?: number | null;
  backfill?: boolean | null;
  input_template?: string | null;
  object_type?: string | null;
  label_id?: string | null;
}

interface TriggerHealth {
  last_event_at?: string | null;
  last_poll_at?: string | null;
  lag_seconds?: number | null;
  last_error?: string | null;
  last_error_at?: string | null;
  consecutive_failures: number;
  event_count: number;
  dropped_count: number;
  duplicate_count: number;
}

interface TriggerView {
  id: string;
  agent_id: string;
  system: System;
  credential_id?: string | null;
  options: TriggerOptions;
  active: boolean;
  created_at: string;
  webhook_url?: string | null;
  next_fire_times?: string[] | null;
  health: TriggerHealth;
  signing_secret?: string | null;
}

interface TriggerEventView {
  id: string;
  timestamp: string;
  status: string;
  run_id?: string | null;
  drop_reason?: string | null;
  payload: unknown;
}

interface Preview {
  cron: string;
  time_zone: string;
  next: { at: string; local: string }[];
}

/** "2026-12-01T09:00:00+01:00" as "2026-12-01 09:00 (UTC+01:00)": the wall clock of the trigger's zone. */
function wallClock(local: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(local);
  if (!match) return local;
  return `${match[1]} ${match[2]} (UTC${match[3] === 'Z' ? '' : match[3]})`;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `msg_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The once-only secret with a signed curl example; the example is re-signed in the browser as the body is edited. */
async function showWebhookSecret(ctx: ScreenContext, trigger: TriggerView, secret: string, title: string): Promise<void> {
  const url = new URL(trigger.webhook_url ?? `/api/v1/hooks/${trigger.id}`, ctx.api.url('/')).toString();
  const body = h('textarea', { rows: 3, spellcheck: 'false' });
  body.value = JSON.stringify({ type: 'order.created', order_id: 'A-1001', total: 42.5 });
  const curl = h('pre', { 'data-testid': 'signed-curl' });
  const copyHost = h('span');
  const sign = async () => {
    const id = randomId();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signWebhook(secret, id, timestamp, body.value);
    const command = signedCurl(url, id, timestamp, signature, body.value);
    curl.textContent = command;
    copyHost.replaceChildren(copyButton(command, 'Copy curl'));
  };
  body.addEventListener('input', () => void sign());
  const resign = h('button', { type: 'button', class: 'secondary small' }, 'Sign again with the current time');
  resign.addEventListener('click', () => void sign());
  await sign();
  const { closed } = dialog(title,
    h('p', null, 'The signing secret is shown this once. Copy it now: it cannot be shown again (rotate it to get a new one).'),
    h('div', { class: 'secret-row' }, h('code', { class: 'secret', 'data-testid': 'signing-secret' }, secret), copyButton(secret, 'Copy secret')),
    h('p', null, 'Webhook URL: ', h('code', { 'data-testid': 'webhook-url' }, url)),
    field('Example body (the signature is recomputed as you edit)', body, 'example_body'),
    h('p', { class: 'muted' }, 'Signed here with WebCrypto (HMAC-SHA256 of "id.timestamp.body" with the secret\'s bytes, Standard Webhooks). The timestamp must be within 5 minutes when it is sent.'),
    curl, h('div', { class: 'actions' }, copyHost, resign));
  await closed;
  curl.textContent = '';
}

function optionFields(system: System, options: TriggerOptions = {}): { element: HTMLElement; read: () => TriggerOptions; cron?: HTMLInputElement; zone?: HTMLInputElement } {
  const template = h('textarea', { rows: 2, placeholder: 'New order {{order_id}} for {{total}}' });
  template.value = options.input_template ?? '';
  const rows: HTMLElement[] = [];
  const readers: (() => TriggerOptions)[] = [() => ({ input_template: template.value.trim() || undefined })];
  const interval = h('input', { type: 'number', min: 10, max: 86400, value: options.interval_seconds ?? 60 });
  const backfill = h('input', { type: 'checkbox', checked: options.backfill ?? false });
  let cron: HTMLInputElement | undefined;
  let zone: HTMLInputElement | undefined;
  const checkbox = (input: HTMLInputElement, label: string, name: string) =>
    h('div', { class: 'field', 'data-field': name }, h('label', null, input, ` ${label}`), h('div', { class: 'field-error', hidden: true }));
  switch (system) {
    case 'timer': {
      cron = h('input', { type: 'text', value: options.cron ?? '0 9 * * 1-5', spellcheck: 'false' });
      const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
      zone = h('input', { type: 'text', list: 'tz-list', value: options.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC' });
      const catchUp = h('select', null, ['skip', 'fire_once'].map((v) => h('option', { value: v, selected: options.catch_up === v ? true : undefined }, v)));
      rows.push(field('Cron (minute hour day-of-month month day-of-week)', cron, 'cron'),
        field('Time zone (IANA)', zone, 'time_zone'), h('datalist', { id: 'tz-list' }, zones.map((z) => h('option', { value: z }))),
        field('Missed fire times after downtime', catchUp, 'catch_up'));
      const c = cron;
      const z = zone;
      readers.push(() => ({ cron: c.value.trim(), time_zone: z.value.trim() || undefined, catch_up: catchUp.value }));
      break;
    }
    case 'http_poll': {
      const url = h('input', { type: 'url', value: options.url ?? '', placeholder: 'https://feed.example.com/items' });
      const itemsPath = h('input', { type: 'text', value: options.items_path ?? '', placeholder: 'data.items' });
      const idField = h('input', { type: 'text', value: options.id_field ?? 'id' });
      const tsField = h('input', { type: 'text', value: options.timestamp_field ?? '' });
      rows.push(field('Feed URL', url, 'url'), field('Items path (dot path to the array; empty for a top-level array)', itemsPath, 'items_path'),
        field('Id field', idField, 'id_field'), field('Timestamp field (optional)', tsField, 'timestamp_field'),
        field('Poll every (seconds)', interval, 'interval_seconds'), checkbox(backfill, 'Backfill: emit the items already there at the first poll', 'backfill'));
      readers.push(() => ({ url: url.value.trim(), items_path: itemsPath.value.trim(), id_field: idField.value.trim() || undefined,
        timestamp_field: tsField.value.trim() || undefined, interval_seconds: Number(interval.value) || undefined, backfill: backfill.checked }));
      break;
    }
    case 'gmail': {
      const label = h('input', { type: 'text', value: options.label_id ?? 'INBOX' });
      rows.push(field('Label id', label, 'label_id'), field('Poll every (seconds)', interval, 'interval_seconds'));
      readers.push(() => ({ label_id: label.value.trim() || undefined, interval_seconds: Number(interval.value) || undefined }));
      break;
    }
    case 'hubspot': {
      const objectType = h('select', null, ['contacts', 'companies', 'deals', 'tickets'].map((o) => h('option', { value: o, selected: options.object_type === o ? true : undefined }, o)));
      rows.push(field('Object type', objectType, 'object_type'), field('Poll every (seconds)', interval, 'interval_seconds'),
        checkbox(backfill, 'Backfill: emit the objects already there at the first poll', 'backfill'));
      readers.push(() => ({ object_type: objectType.value, interval_seconds: Number(interval.value) || undefined, backfill: backfill.checked }));
      break;
    }
    default:
      break;
  }
  rows.push(field('Input template (optional)', template, 'input_template', '{{path.to.field}} holes are filled from the event; empty: the agent gets the payload as data.'));
  return { element: h('div', null, rows), read: () => Object.assign({}, ...readers.map((r) => r())), cron, zone };
}

/** The next five fire times of the form's cron in its zone, from the API (Cronos, as the scheduler computes them). */
function schedulePreview(ctx: ScreenContext, form: HTMLElement, cron: HTMLInputElement, zone: HTMLInputElement): HTMLElement {
  const list = h('ol', { 'data-testid': 'schedule-preview' });
  const box = h('div', { class: 'card', 'aria-live': 'polite' }, h('h3', null, 'Next five fire times'), list);
  let timer = 0;
  const update = async () => {
    try {
      const preview = await ctx.api.post<Preview>('/triggers/schedule-preview', { cron: cron.value.trim(), time_zone: zone.value.trim() || undefined, count: 5 });
      clearErrors(form);
      list.replaceChildren(...preview.next.map((f) => h('li', null, wallClock(f.local), h('span', { class: 'muted' }, ` · ${f.at.replace('T', ' ').replace(/:00\+00:00$/, ' UTC')}`))));
    } catch (err) {
      list.replaceChildren(h('li', { class: 'muted' }, 'No preview until the cron and time zone are valid.'));
      if (err instanceof ProblemError && err.problem.errors) placeErrors(form, err);
    }
  };
  const later = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void update(), 300);
  };
  cron.addEventListener('input', later);
  zone.addEventListener('input', later);
  void update();
  return box;
}

function createForm(ctx: ScreenContext, agentId: string, done: () => void): HTMLElement {
  const system = h('select', null, (['webhook', 'timer', 'http_poll', 'gmail', 'hubspot'] as System[]).map((s) => h('option', { value: s }, s)));
  const credential = h('input', { type: 'text', placeholder: 'cred_… (gmail and hubspot: an OAuth access token)' });
  const optionsHost = h('div');
  const previewHost = h('div');
  const submit = h('button', { type: 'submit' }, 'Create trigger');
  const form = h('form', { class: 'card', 'aria-label': 'Create a trigger', novalidate: true },
    h('h2', null, 'Create a trigger'),
    field('System', system, 'system'),
    field('Credential id', credential, 'credential_id'),
    optionsHost, previewHost,
    h('div', { class: 'actions' }, submit));
  let options = optionFields('webhook');
  const showSystem = () => {
    options = optionFields(system.value as System);
    optionsHost.replaceChildren(options.element);
    previewHost.replaceChildren();
    if (options.cron && options.zone) previewHost.append(schedulePreview(ctx, form, options.cron, options.zone));
    credential.closest('.field')!.toggleAttribute('hidden', system.value === 'webhook' || system.value === 'timer');
  };
  system.addEventListener('change', showSystem);
  showSystem();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const created = await ctx.api.post<TriggerView>(`/agents/${encodeURIComponent(agentId)}/triggers`, {
        system: system.value,
        credential_id: credential.value.trim() || undefined,
        options: options.read(),
      });
      toast(`Created ${created.system} trigger ${created.id}`);
      done();
      if (created.signing_secret) await showWebhookSecret(ctx, created, created.signing_secret, `Webhook trigger ${created.id} created`);
    } catch (err) {
      showFormProblem(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function healthText(t: TriggerView): string {
  const hl = t.health;
  const parts = [`${hl.event_count} events`];
  if (hl.dropped_count) parts.push(`${hl.dropped_count} dropped`);
  if (hl.duplicate_count) parts.push(`${hl.duplicate_count} duplicates`);
  if (hl.last_event_at) parts.push(`last ${when(hl.last_event_at)}`);
  if (hl.consecutive_failures) parts.push(`${hl.consecutive_failures} failures in a row`);
  return parts.join(' · ');
}

export const triggersScreen: Screen = {
  id: 'triggers',
  title: 'Triggers',
  route: 'triggers',
  nav: true,
  permission: 'view_agents',
  async render(ctx) {
    const agents = await listAgents(ctx.api);
    const picked = ctx.query.get('agent') ?? agents[0]?.id ?? '';
    const select = agentSelect(agents, picked);
    const listHost = h('div');
    const formHost = h('div');
    const create = h('button', { type: 'button', hidden: !ctx.can('manage_triggers') || agents.length === 0 }, 'Create a trigger');
    const show = () => {
      formHost.replaceChildren();
      if (!select.value) return;
      const table = pagedTable<TriggerView>({
        caption: `Triggers of ${select.selectedOptions[0]?.textContent ?? select.value}`,
        columns: [
          { header: 'Trigger', cell: (t) => h('a', { href: `#/triggers/${encodeURIComponent(t.id)}` }, t.id) },
          { header: 'System', cell: (t) => badge(t.system, 'system') },
          { header: 'Active', cell: (t) => badge(t.active ? 'enabled' : 'disabled') },
          { header: 'Schedule / source', cell: (t) => t.options.cron ? `${t.options.cron} (${t.options.time_zone ?? 'UTC'})` : t.options.url ?? t.options.object_type ?? t.options.label_id ?? t.webhook_url ?? '' },
          { header: 'Health', cell: (t) => [healthText(t), t.health.last_error ? h('div', { class: 'field-error' }, t.health.last_error) : null] },
        ],
        load: pageLoader<TriggerView>(ctx.api, `/agents/${encodeURIComponent(select.value)}/triggers`),
        empty: 'This agent has no triggers yet.',
      });
      listHost.replaceChildren(table);
      create.onclick = () => {
        formHost.replaceChildren(createForm(ctx, select.value, () => { formHost.replaceChildren(); void table.reload(); }));
        formHost.querySelector('select')?.focus();
      };
    };
    select.addEventListener('change', show);
    ctx.root.append(heading('Triggers', create),
      h('p', { class: 'muted' }, 'What wakes an agent: a signed webhook, a cron schedule, or a watched system.'),
      h('div', { class: 'card' }, field('Agent', select, 'agent')), formHost, listHost);
    show();
  },
};

export const triggerScreen: Screen = {
  id: 'trigger',
  title: 'Trigger',
  route: 'triggers/:triggerId',
  permission: 'view_agents',
  async render(ctx) {
    const id = ctx.params.triggerId!;
    const trigger = await ctx.api.get<TriggerView>(`/triggers/${encodeURIComponent(id)}`);
    const facts = h('dl', { class: 'facts card', 'data-testid': 'trigger-health' });
    const fill = (t: TriggerView) => facts.replaceChildren(...Array.from(h('div', null,
      h('dt', null, 'System'), h('dd', null, t.system),
      h('dt', null, 'Agent'), h('dd', null, h('code', null, t.agent_id)),
      h('dt', null, 'Active'), h('dd', null, badge(t.active ? 'enabled' : 'disabled')),
      t.webhook_url ? [h('dt', null, 'Webhook URL'), h('dd', null, h('code', null, new URL(t.webhook_url, ctx.api.url('/')).toString()))] : null,
      h('dt', null, 'Events'), h('dd', { 'data-testid': 'event-count' }, String(t.health.event_count)),
      h('dt', null, 'Dropped / duplicates'), h('dd', null, `${t.health.dropped_count} / ${t.health.duplicate_count}`),
      h('dt', null, 'Last event'), h('dd', null, when(t.health.last_event_at) || 'never'),
      t.health.last_poll_at ? [h('dt', null, 'Last poll'), h('dd', null, `${when(t.health.last_poll_at)}${t.health.lag_seconds ? ` (lag ${Math.round(t.health.lag_seconds)} s)` : ''}`)] : null,
      t.health.last_error ? [h('dt', null, 'Last error'), h('dd', { class: 'field-error' }, `${t.health.last_error} (${when(t.health.last_error_at)}, ${t.health.consecutive_failures} in a row)`)] : null,
      h('dt', null, 'Options'), h('dd', null, h('pre', null, JSON.stringify(t.options, null, 2)))).childNodes));
    fill(trigger);

    const nextFires = trigger.system === 'timer'
      ? h('div', { class: 'card' }, h('h2', null, `Next fire times (${trigger.options.time_zone ?? 'UTC'})`),
        h('ol', null, (trigger.next_fire_times ?? []).map((f) => h('li', null, wallClock(f)))))
      : null;

    const events = pagedTable<TriggerEventView>({
      caption: 'Events (newest first)',
      columns: [
        { header: 'Event', cell: (e) => h('code', null, e.id) },
        { header: 'When', cell: (e) => when(e.timestamp) },
        { header: 'Status', cell: (e) => badge(e.status) },
        { header: 'Run / reason', cell: (e) => (e.run_id ? h('a', { href: `#/run/${encodeURIComponent(e.run_id)}` }, e.run_id) : e.drop_reason ?? '') },
        { header: 'Payload', cell: (e) => h('details', null, h('summary', null, 'Payload'), h('pre', null, JSON.stringify(e.payload, null, 2))) },
      ],
      load: (cursor) => ctx.api.get<Page<TriggerEventView>>(`/triggers/${encodeURIComponent(id)}/events`, { cursor }),
      empty: 'No events yet.',
    });
    const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
    const reload = async () => {
      fill(await ctx.api.get<TriggerView>(`/triggers/${encodeURIComponent(id)}`));
      await events.reload();
    };
    refresh.addEventListener('click', () => void reload());
    // Live enough: the health and the first page follow new events while the screen is open.
    let seen = trigger.health.event_count;
    whileShown(events, 3000, async () => {
      const fresh = await ctx.api.get<TriggerView>(`/triggers/${encodeURIComponent(id)}`);
      if (fresh.health.event_count !== seen) {
        seen = fresh.health.event_count;
        fill(fresh);
        await events.reload();
      }
    });

    const manage = ctx.can('manage_triggers');
    const toggle = h('button', { type: 'button', class: 'secondary', hidden: !manage }, trigger.active ? 'Switch off' : 'Switch on');
    toggle.addEventListener('click', async () => {
      try {
        const updated = await ctx.api.patch<TriggerView>(`/agents/${encodeURIComponent(trigger.agent_id)}/triggers/${encodeURIComponent(id)}`, { active: !trigger.active });
        trigger.active = updated.active;
        toggle.textContent = updated.active ? 'Switch off' : 'Switch on';
        fill(updated);
      } catch (err) {
        showProblem(ctx.root, err);
      }
    });
    const rotate = h('button', { type: 'button', class: 'secondary', hidden: !manage || trigger.system !== 'webhook' }, 'Rotate signing secret');
    rotate.addEventListener('click', async () => {
      try {
        const rotated = await ctx.api.post<TriggerView>(`/triggers/${encodeURIComponent(id)}/rotate-secret`);
        if (rotated.signing_secret) await showWebhookSecret(ctx, rotated, rotated.signing_secret, 'New signing secret (the previous one keeps working for 24 hours)');
      } catch (err) {
        showProblem(ctx.root, err);
      }
    });
    const remove = h('button', { type: 'button', class: 'danger', hidden: !manage }, 'Delete');
    remove.addEventListener('click', async () => {
      if (!window.confirm(`Delete trigger ${id}? Its events stay.`)) return;
      try {
        await ctx.api.del(`/triggers/${encodeURIComponent(id)}`);
        ctx.navigate(`triggers?agent=${encodeURIComponent(trigger.agent_id)}`);
      } catch (err) {
        showProblem(ctx.root, err);
      }
    });
    ctx.root.append(heading(`Trigger ${id}`, refresh, toggle, rotate, remove),
      h('p', null, h('a', { href: `#/triggers?agent=${encodeURIComponent(trigger.agent_id)}` }, '← Triggers of this agent')),
      h('h2', null, 'Health'), facts, nextFires ?? '', events);
  },
};
