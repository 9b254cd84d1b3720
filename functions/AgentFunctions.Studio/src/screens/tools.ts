// Tools: the tenant's tool registry. Register and edit (a JSON schema editor checked as you type), and MCP servers with
// the tools they list (GET /tools/{name}/listed-tools).
import type { Page } from '../api';
import { h, field, heading, pagedTable, pageLoader, showFormProblem, clearErrors, badge, toast, when } from '../ui';
import { checkObjectSchema, splitList } from '../lib/more';
import type { Screen, ScreenContext } from './types';

interface ToolDefinition {
  id: string;
  description: string;
  kind: 'builtin' | 'http' | 'agent' | 'mcp';
  input_schema: unknown;
  http?: { method: string; url_template: string; credential_id?: string | null; allowed_hosts: string[] } | null;
  agent?: { agent_id: string } | null;
  mcp?: { server_url: string; tool_name?: string | null; credential_id?: string | null; allowed_hosts: string[] } | null;
  timeout_seconds: number;
  retries: number;
  requires_approval: boolean;
  redact_fields: string[];
  version: number;
  updated_at: string;
}

interface ListedTool {
  name: string;
  description: string;
  input_schema: unknown;
  kind: string;
  requires_approval: boolean;
}

const defaultSchema = JSON.stringify({ type: 'object', properties: { query: { type: 'string', description: 'What to look up' } }, required: ['query'] }, null, 2);

/** The schema editor: a textarea whose error slot says, as you type, whether it is an object schema. */
function schemaEditor(initial: string): { row: HTMLElement; textarea: HTMLTextAreaElement; check: () => Record<string, unknown> | undefined } {
  const textarea = h('textarea', { rows: 10, spellcheck: 'false', class: 'code' });
  textarea.value = initial;
  const row = field('Input schema (JSON Schema, type object)', textarea, 'input_schema', 'Checked as you type; the server checks it again.');
  const status = h('p', { class: 'muted', 'data-testid': 'schema-status' });
  row.appendChild(status);
  const check = () => {
    const result = checkObjectSchema(textarea.value);
    const slot = row.querySelector<HTMLElement>('.field-error')!;
    if (result.error) {
      slot.textContent = `Input schema ${result.error}`;
      slot.hidden = false;
      textarea.setAttribute('aria-invalid', 'true');
      status.textContent = '';
    } else {
      slot.textContent = '';
      slot.hidden = true;
      textarea.removeAttribute('aria-invalid');
      const props = Object.keys((result.value!.properties as object | undefined) ?? {});
      status.textContent = `Valid object schema: ${props.length} propert${props.length === 1 ? 'y' : 'ies'}${props.length ? ` (${props.join(', ')})` : ''}.`;
    }
    return result.value;
  };
  textarea.addEventListener('input', check);
  check();
  return { row, textarea, check };
}

function toolForm(ctx: ScreenContext, existing: ToolDefinition | null, etag: string | null, done: () => void): HTMLElement {
  const name = h('input', { type: 'text', required: true, placeholder: 'crm.lookup', value: existing?.id ?? '', readonly: existing ? true : undefined });
  const description = h('input', { type: 'text', required: true, value: existing?.description ?? '' });
  const kind = h('select', null, ['http', 'mcp', 'agent'].map((k) => h('option', { value: k, selected: (existing?.kind ?? 'http') === k ? true : undefined }, k)));
  const schema = schemaEditor(existing ? JSON.stringify(existing.input_schema, null, 2) : defaultSchema);

  const method = h('select', null, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m, selected: existing?.http?.method === m ? true : undefined }, m)));
  const urlTemplate = h('input', { type: 'url', placeholder: 'https://api.example.com/contacts?q={query}', value: existing?.http?.url_template ?? '' });
  const httpHosts = h('input', { type: 'text', placeholder: 'api.example.com', value: existing?.http?.allowed_hosts?.join(', ') ?? '' });
  const httpCredential = h('input', { type: 'text', placeholder: 'cred_…', value: existing?.http?.credential_id ?? '' });
  const httpSection = h('fieldset', null, h('legend', null, 'HTTP'),
    field('Method', method, 'http.method'),
    field('URL template', urlTemplate, 'http.url_template', '{argument} holes are filled from the call\'s arguments.'),
    field('Allowed hosts', httpHosts, 'http.allowed_hosts', 'Comma separated; the URL\'s host must be one of them.'),
    field('Credential id (optional)', httpCredential, 'http.credential_id'));

  const serverUrl = h('input', { type: 'url', placeholder: 'https://mcp.example.com/mcp', value: existing?.mcp?.server_url ?? '' });
  const toolName = h('input', { type: 'text', placeholder: 'empty: the whole server', value: existing?.mcp?.tool_name ?? '' });
  const mcpHosts = h('input', { type: 'text', value: existing?.mcp?.allowed_hosts?.join(', ') ?? '' });
  const mcpCredential = h('input', { type: 'text', placeholder: 'cred_…', value: existing?.mcp?.credential_id ?? '' });
  const mcpSection = h('fieldset', null, h('legend', null, 'MCP server'),
    field('Server URL', serverUrl, 'mcp.server_url'),
    field('Tool name', toolName, 'mcp.tool_name', 'Empty registers the whole server: agents get each listed tool as <name>.<tool>.'),
    field('Allowed hosts', mcpHosts, 'mcp.allowed_hosts'),
    field('Credential id (optional)', mcpCredential, 'mcp.credential_id'));

  const agentId = h('input', { type: 'text', placeholder: 'agt_…', value: existing?.agent?.agent_id ?? '' });
  const agentSection = h('fieldset', null, h('legend', null, 'Agent as a tool'), field('Agent id', agentId, 'agent.agent_id'));

  const timeout = h('input', { type: 'number', min: 1, max: 300, value: existing?.timeout_seconds ?? 30 });
  const approval = h('input', { type: 'checkbox', checked: existing?.requires_approval ?? false });
  const redact = h('input', { type: 'text', placeholder: 'phone, email', value: existing?.redact_fields?.join(', ') ?? '' });
  const submit = h('button', { type: 'submit' }, existing ? 'Save tool' : 'Register tool');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h('form', { class: 'card', 'aria-label': existing ? `Edit ${existing.id}` : 'Register a tool', novalidate: true },
    h('h2', null, existing ? `Edit ${existing.id}` : 'Register a tool'),
    field('Name', name, 'name', 'namespace.name, e.g. crm.lookup'),
    field('Description', description, 'description', 'What the model reads to decide when to call it.'),
    field('Kind', kind, 'kind'),
    schema.row,
    httpSection, mcpSection, agentSection,
    field('Timeout (seconds)', timeout, 'timeout_seconds'),
    field('Fields to redact in logs', redact, 'redact_fields'),
    h('div', { class: 'field', 'data-field': 'requires_approval' }, h('label', null, approval, ' Requires approval before each call'), h('div', { class: 'field-error', hidden: true })),
    h('div', { class: 'actions' }, submit, cancel));
  const showKind = () => {
    httpSection.hidden = kind.value !== 'http';
    mcpSection.hidden = kind.value !== 'mcp';
    agentSection.hidden = kind.value !== 'agent';
  };
  kind.addEventListener('change', showKind);
  showKind();
  cancel.addEventListener('click', done);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const input = schema.check();
    if (!input) {
      schema.textarea.focus();
      return;
    }
    const body: Record<string, unknown> = {
      name: name.value.trim(),
      description: description.value.trim(),
      kind: kind.value,
      input_schema: input,
      timeout_seconds: Number(timeout.value) || undefined,
      requires_approval: approval.checked,
      redact_fields: splitList(redact.value),
    };
    if (kind.value === 'http') {
      body.http = { method: method.value, url_template: urlTemplate.value.trim(), allowed_hosts: splitList(httpHosts.value), credential_id: httpCredential.value.trim() || undefined };
    } else if (kind.value === 'mcp') {
      body.mcp = { server_url: serverUrl.value.trim(), tool_name: toolName.value.trim() || undefined, allowed_hosts: splitList(mcpHosts.value), credential_id: mcpCredential.value.trim() || undefined };
    } else {
      body.agent = { agent_id: agentId.value.trim() };
    }
    submit.disabled = true;
    try {
      if (existing) await ctx.api.sendWithETag('PUT', `/tools/${encodeURIComponent(existing.id)}`, body, etag);
      else await ctx.api.post('/tools/register', body);
      toast(existing ? `Saved ${existing.id}` : `Registered ${body.name as string}`);
      done();
    } catch (err) {
      showFormProblem(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function listedTools(ctx: ScreenContext, tool: ToolDefinition, host: HTMLElement): Promise<void> {
  host.replaceChildren(h('h3', null, `Tools listed by ${tool.id}`),
    pagedTable<ListedTool>({
      caption: `What an agent allowlisting ${tool.id} gets`,
      columns: [
        { header: 'Name', cell: (t) => h('code', null, t.name) },
        { header: 'Description', cell: (t) => t.description },
        { header: 'Input schema', cell: (t) => h('details', null, h('summary', null, 'Schema'), h('pre', null, JSON.stringify(t.input_schema, null, 2))) },
        { header: 'Approval', cell: (t) => (t.requires_approval ? 'required' : '') },
      ],
      load: (cursor) => ctx.api.get<Page<ListedTool>>(`/tools/${encodeURIComponent(tool.id)}/listed-tools`, { cursor }),
      empty: 'The server listed no tools (or it needs a credential to list them, or cannot be reached).',
    }));
}

export const toolsScreen: Screen = {
  id: 'tools',
  title: 'Tools',
  route: 'tools',
  nav: true,
  permission: 'view_agents',
  render(ctx) {
    const editor = h('div');
    const listed = h('div', { class: 'card', hidden: true });
    let table: HTMLElement & { reload: () => Promise<void> };
    const closeEditor = () => {
      editor.replaceChildren();
      void table.reload();
    };
    const register = h('button', { type: 'button', hidden: !ctx.can('manage_tools') }, 'Register a tool');
    register.addEventListener('click', () => {
      editor.replaceChildren(toolForm(ctx, null, null, closeEditor));
      editor.querySelector('input')?.focus();
    });
    table = pagedTable<ToolDefinition>({
      caption: 'Registered tools',
      columns: [
        { header: 'Name', cell: (t) => h('code', null, t.id) },
        { header: 'Kind', cell: (t) => badge(t.kind) },
        { header: 'Description', cell: (t) => t.description },
        { header: 'Target', cell: (t) => t.http?.url_template ?? t.mcp?.server_url ?? t.agent?.agent_id ?? '' },
        { header: 'Version', cell: (t) => `v${t.version} · ${when(t.updated_at)}` },
        {
          header: 'Actions',
          cell: (t) => h('div', { class: 'actions' },
            t.kind === 'mcp' ? h('button', {
              type: 'button', class: 'secondary small',
              onclick: () => { listed.hidden = false; void listedTools(ctx, t, listed); },
            }, `Listed tools of ${t.id}`) : null,
            ctx.can('manage_tools') && t.kind !== 'builtin' ? h('button', {
              type: 'button', class: 'secondary small',
              onclick: async () => {
                const fresh = await ctx.api.getWithETag<ToolDefinition>(`/tools/${encodeURIComponent(t.id)}`);
                editor.replaceChildren(toolForm(ctx, fresh.value, fresh.etag, closeEditor));
                editor.querySelector('textarea')?.focus();
              },
            }, `Edit ${t.id}`) : null),
        },
      ],
      load: pageLoader<ToolDefinition>(ctx.api, '/tools'),
      empty: 'No tools registered yet.',
    });
    ctx.root.append(heading('Tools', register),
      h('p', { class: 'muted' }, 'HTTP endpoints, other agents and MCP servers your agents may call. A whole-server MCP entry lists its tools live.'),
      editor, table, listed);
  },
};
