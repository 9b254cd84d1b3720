// Credentials: create and rotate with write-only secret fields (typed in, sent once, never shown again), allowed hosts,
// and the audit trail of every read, use and refusal.
import type { Page } from '../api';
import { h, field, heading, pagedTable, pageLoader, showFormProblem, clearErrors, badge, toast, when, uid } from '../ui';
import { splitList, parsePairs } from '../lib/more';
import type { Screen, ScreenContext } from './types';

interface CredentialView {
  credential_id: string;
  user_id?: string | null;
  meta: Record<string, string>;
  version: number;
  created_at: string;
  updated_at: string;
  rotated_at?: string | null;
  allowed_hosts: string[];
}

interface AuditRecord {
  id: string;
  credential_id: string;
  action: string;
  allowed: boolean;
  reason?: string | null;
  actor_user_id?: string | null;
  agent_id?: string | null;
  run_id?: string | null;
  purpose?: string | null;
  credential_version?: number | null;
  at: string;
}

/** Rows of secret name + password input. `read()` gives the object and `wipe()` empties every value. */
function secretFields(legend: string): { element: HTMLElement; read: () => Record<string, string> | null; wipe: () => void } {
  const rows = h('div');
  const add = (name = '') => {
    const id = uid('secret');
    const nameInput = h('input', { type: 'text', value: name, 'aria-label': 'Secret field name', placeholder: 'token', autocomplete: 'off', spellcheck: 'false' });
    const valueInput = h('input', { type: 'password', id, autocomplete: 'new-password', spellcheck: 'false', 'data-secret': 'true' });
    const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': 'Remove this secret field' }, 'Remove');
    const row = h('div', { class: 'secret-field' },
      h('label', { for: id, class: 'sr-only' }, 'Secret value'), nameInput, valueInput, remove);
    remove.addEventListener('click', () => row.remove());
    rows.appendChild(row);
  };
  add('token');
  const more = h('button', { type: 'button', class: 'secondary small' }, 'Add a secret field');
  more.addEventListener('click', () => add());
  const element = h('fieldset', { 'data-field': 'credentials' },
    h('legend', null, legend),
    h('p', { class: 'muted' }, 'Write-only: the values are sent once, encrypted at rest, and never shown again (not here, not in lists, logs or events).'),
    rows, more, h('div', { class: 'field-error', role: 'alert', hidden: true }));
  return {
    element,
    read: () => {
      const out: Record<string, string> = {};
      for (const row of rows.querySelectorAll('.secret-field')) {
        const [nameInput, valueInput] = row.querySelectorAll('input');
        const name = nameInput!.value.trim();
        if (name && valueInput!.value) out[name] = valueInput!.value;
      }
      return Object.keys(out).length ? out : null;
    },
    wipe: () => rows.querySelectorAll<HTMLInputElement>('input[data-secret]').forEach((i) => { i.value = ''; }),
  };
}

function createForm(ctx: ScreenContext, done: () => void): HTMLElement {
  const meta = h('textarea', { rows: 3, placeholder: 'system=crm\naccount=acme' });
  const hosts = h('input', { type: 'text', placeholder: 'api.example.com' });
  const personal = h('input', { type: 'checkbox' });
  const secrets = secretFields('Secret');
  const submit = h('button', { type: 'submit' }, 'Create credential');
  const form = h('form', { class: 'card', 'aria-label': 'Create a credential', novalidate: true },
    h('h2', null, 'Create a credential'),
    field('Meta (key=value per line, for lookups)', meta, 'meta'),
    secrets.element,
    field('Allowed hosts', hosts, 'allowed_hosts', 'Comma separated: where tools may send this secret.'),
    h('div', { class: 'field', 'data-field': 'user_id' }, h('label', null, personal, ' Personal (mine only: usable by agents I own)'), h('div', { class: 'field-error', hidden: true })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const credentials = secrets.read();
    submit.disabled = true;
    try {
      await ctx.api.post(`/tenants/${encodeURIComponent(ctx.me.tenant_id)}/credentials`, {
        meta: parsePairs(meta.value),
        credentials: credentials ?? {},
        allowed_hosts: splitList(hosts.value),
        user_id: personal.checked ? ctx.me.user.id : undefined,
      });
      secrets.wipe();
      toast('Credential created; its secret is stored and will not be shown again');
      done();
    } catch (err) {
      showFormProblem(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function rotateForm(ctx: ScreenContext, credential: CredentialView, done: () => void): HTMLElement {
  const secrets = secretFields(`New secret for ${credential.credential_id}`);
  const hosts = h('input', { type: 'text', value: credential.allowed_hosts.join(', ') });
  const submit = h('button', { type: 'submit' }, 'Rotate');
  const cancel = h('button', { type: 'button', class: 'secondary', onclick: done }, 'Cancel');
  const form = h('form', { class: 'card', 'aria-label': `Rotate ${credential.credential_id}`, novalidate: true },
    h('h2', null, `Rotate ${credential.credential_id}`),
    secrets.element,
    field('Allowed hosts', hosts, 'allowed_hosts'),
    h('div', { class: 'actions' }, submit, cancel));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const query = credential.user_id ? `?user_id=${encodeURIComponent(credential.user_id)}` : '';
      await ctx.api.post(`/tenants/${encodeURIComponent(ctx.me.tenant_id)}/credentials/${encodeURIComponent(credential.credential_id)}/rotate${query}`,
        { credentials: secrets.read() ?? {}, allowed_hosts: splitList(hosts.value) });
      secrets.wipe();
      toast(`Rotated ${credential.credential_id}`);
      done();
    } catch (err) {
      showFormProblem(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function auditTable(ctx: ScreenContext, credentialId?: string): HTMLElement {
  return pagedTable<AuditRecord>({
    caption: credentialId ? `Audit trail of ${credentialId}` : 'Audit trail (all credentials)',
    columns: [
      { header: 'When', cell: (a) => when(a.at) },
      { header: 'Credential', cell: (a) => h('code', null, a.credential_id) },
      { header: 'Action', cell: (a) => a.action },
      { header: 'Outcome', cell: (a) => badge(a.allowed ? 'allowed' : 'refused', a.allowed ? 'succeeded' : 'refused') },
      { header: 'By', cell: (a) => [a.actor_user_id ?? '', a.agent_id ? ` agent ${a.agent_id}` : '', a.run_id ? ` run ${a.run_id}` : ''].join('') },
      { header: 'Purpose / reason', cell: (a) => [a.purpose, a.reason].filter(Boolean).join(' · ') },
      { header: 'Version', cell: (a) => (a.credential_version ? `v${a.credential_version}` : '') },
    ],
    load: pageLoader<AuditRecord>(ctx.api, `/tenants/${encodeURIComponent(ctx.me.tenant_id)}/audit/credentials`, { credential_id: credentialId }),
    empty: 'No audit records.',
  });
}

export const credentialsScreen: Screen = {
  id: 'credentials',
  title: 'Credentials',
  route: 'credentials',
  nav: true,
  permission: 'view_agents',
  render(ctx) {
    const panel = h('div');
    const audit = h('div');
    let table: HTMLElement & { reload: () => Promise<void> };
    const close = () => {
      panel.replaceChildren();
      void table.reload();
    };
    const create = h('button', { type: 'button', hidden: !ctx.can('manage_credentials') }, 'Create a credential');
    create.addEventListener('click', () => {
      panel.replaceChildren(createForm(ctx, close));
      panel.querySelector('textarea')?.focus();
    });
    table = pagedTable<CredentialView>({
      caption: 'Credentials (secrets are never listed)',
      columns: [
        { header: 'Id', cell: (c) => h('code', null, c.credential_id) },
        { header: 'Meta', cell: (c) => Object.entries(c.meta).map(([k, v]) => `${k}=${v}`).join(', ') },
        { header: 'Scope', cell: (c) => (c.user_id ? `personal (${c.user_id})` : 'tenant') },
        { header: 'Allowed hosts', cell: (c) => c.allowed_hosts.join(', ') },
        { header: 'Version', cell: (c) => `v${c.version}${c.rotated_at ? ` · rotated ${when(c.rotated_at)}` : ''}` },
        {
          header: 'Actions',
          cell: (c) => h('div', { class: 'actions' },
            ctx.can('manage_credentials') ? h('button', {
              type: 'button', class: 'secondary small',
              onclick: () => { panel.replaceChildren(rotateForm(ctx, c, close)); panel.querySelector<HTMLInputElement>('input[data-secret]')?.focus(); },
            }, `Rotate ${c.credential_id}`) : null,
            ctx.can('view_audit') ? h('button', {
              type: 'button', class: 'secondary small',
              onclick: () => audit.replaceChildren(auditTable(ctx, c.credential_id)),
            }, `Audit of ${c.credential_id}`) : null),
        },
      ],
      load: (cursor) => ctx.api.get<Page<CredentialView>>(`/tenants/${encodeURIComponent(ctx.me.tenant_id)}/credentials`, { cursor }),
      empty: 'No credentials yet.',
    });
    ctx.root.append(heading('Credentials', create),
      h('p', { class: 'muted' }, 'Secrets tools use (API tokens, OAuth tokens). The engine fetches a secret only when a tool needs it, for the hosts you allow.'),
      panel, table, h('h2', null, 'Audit trail'), audit);
    if (ctx.can('view_audit')) audit.append(auditTable(ctx));
    else audit.append(h('p', { class: 'muted' }, 'Reading the audit trail needs the view_audit permission.'));
  },
};
