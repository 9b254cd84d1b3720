// Shapes of the agents API (snake_case as the API writes them) and the agent form shared by create and edit.
import { collect, type Api } from '../api';
import { field, h } from '../ui';

export interface AgentSpec {
  name: string;
  description?: string | null;
  scope: 'user' | 'team';
  model: string;
  system_prompt: string;
  rules: string[];
  tools: string[];
  knowledge: { enabled: boolean; top_k: number; min_score: number; knowledge_base_ids?: string[] | null };
  memory_window: number;
  limits: { max_tool_calls_per_turn: number; max_loops: number; max_tokens: number; max_execution_seconds: number };
}

export interface Agent {
  id: string;
  owner_id: string;
  team_id: string;
  enabled: boolean;
  version: number;
  latest_version: number;
  spec: AgentSpec;
  created_at: string;
  updated_at: string;
}

export interface AgentVersion {
  id: string;
  agent_id: string;
  number: number;
  spec: AgentSpec;
  created_by: string;
  created_at: string;
}

export const defaultSpec: AgentSpec = {
  name: '',
  description: '',
  scope: 'user',
  model: 'offline',
  system_prompt: '',
  rules: [],
  tools: [],
  knowledge: { enabled: false, top_k: 4, min_score: 0, knowledge_base_ids: [] },
  memory_window: 20,
  limits: { max_tool_calls_per_turn: 8, max_loops: 6, max_tokens: 32000, max_execution_seconds: 120 },
};

const builtinTools = ['builtin.current_time', 'builtin.http_fetch', 'builtin.knowledge_search'];

interface Named { id?: string; name?: string; description?: string | null; kind?: string }

async function firstPage<T>(api: Api, path: string): Promise<T[]> {
  try {
    return await collect<T>(api, path, 500);
  } catch {
    return [];
  }
}

export interface AgentForm {
  form: HTMLFormElement;
  read(): AgentSpec & { team_id?: string };
}

function num(name: string, value: number, min: number, max: number, step = 1): HTMLInputElement {
  return h('input', { type: 'number', name, value: String(value), min: String(min), max: String(max), step: String(step) });
}

function checkboxList(legend: string, name: string, options: { value: string; label: string }[], selected: string[]): HTMLFieldSetElement {
  const chosen = new Set(selected);
  const extra = selected.filter((s) => !options.some((o) => o.value === s));
  const all = [...options, ...extra.map((value) => ({ value, label: value }))];
  return h('fieldset', { 'data-field': name },
    h('legend', null, legend),
    all.length === 0 ? h('p', { class: 'muted' }, 'None available yet.') : null,
    all.map((o, i) => {
      const id = `${name.replace(/\W/g, '-')}-${i}`;
      return h('div', { class: 'check' },
        h('input', { type: 'checkbox', id, value: o.value, 'data-list': name, checked: chosen.has(o.value) }),
        ' ', h('label', { for: id }, o.label));
    }),
    h('div', { class: 'field-error', role: 'alert', hidden: true }));
}

/** The agent form: every field of the spec; on create also the team. Field rows are named like the API's error keys. */
export async function agentForm(api: Api, spec: AgentSpec, options: { create: boolean; submitLabel: string; disabled?: boolean }): Promise<AgentForm> {
  const [tools, knowledgeBases, teams] = await Promise.all([
    firstPage<Named>(api, '/tools'),
    firstPage<Named>(api, '/knowledge-bases'),
    options.create ? firstPage<Named>(api, '/teams') : Promise.resolve([] as Named[]),
  ]);
  const name = h('input', { type: 'text', value: spec.name, required: true, maxlength: '200' });
  const description = h('textarea', { rows: '2' }, spec.description ?? '');
  const scope = h('select', null,
    h('option', { value: 'user', selected: spec.scope === 'user' }, 'user: only its owner runs it'),
    h('option', { value: 'team', selected: spec.scope === 'team' }, 'team: everyone in its team runs it'));
  const model = h('input', { type: 'text', value: spec.model, required: true });
  const systemPrompt = h('textarea', { rows: '5' }, spec.system_prompt);
  const rules = h('textarea', { rows: '3' }, spec.rules.join('\n'));
  const memory = num('memory_window', spec.memory_window, 0, 200);
  const kEnabled = h('input', { type: 'checkbox', checked: spec.knowledge.enabled });
  const topK = num('knowledge.top_k', spec.knowledge.top_k, 1, 20);
  const minScore = num('knowledge.min_score', spec.knowledge.min_score, 0, 1, 0.05);
  const maxCalls = num('limits.max_tool_calls_per_turn', spec.limits.max_tool_calls_per_turn, 0, 64);
  const maxLoops = num('limits.max_loops', spec.limits.max_loops, 1, 50);
  const maxTokens = num('limits.max_tokens', spec.limits.max_tokens, 1, 2000000);
  const maxSeconds = num('limits.max_execution_seconds', spec.limits.max_execution_seconds, 1, 3600);
  const team = h('select', null, teams.map((t) => h('option', { value: t.id }, t.name ?? t.id)));
  const toolOptions = [...builtinTools.map((t) => ({ value: t, label: t })),
    // An MCP server entry is attached whole as '{name}.*' (all the tools it lists); a builtin's settings record is the builtin above.
    ...tools.filter((t) => t.name && t.kind !== 'builtin' && !builtinTools.includes(t.name)).map((t) => {
      const value = t.kind === 'mcp' ? `${t.name}.*` : t.name!;
      return { value, label: `${value}${t.kind ? ` (${t.kind})` : ''}${t.description ? `: ${t.description}` : ''}` };
    })];
  const toolList = checkboxList('Tools the agent may call', 'tools', toolOptions, spec.tools);
  const kbList = checkboxList('Knowledge bases', 'knowledge.knowledge_base_ids',
    knowledgeBases.map((k) => ({ value: k.id!, label: k.name ? `${k.name} (${k.id})` : k.id! })), spec.knowledge.knowledge_base_ids ?? []);
  const submit = h('button', { type: 'submit', disabled: options.disabled }, options.submitLabel);

  const form = h('form', { class: 'agent-form card', novalidate: true },
    h('div', { class: 'grid2' },
      h('div', null,
        field('Name', name, 'name'),
        field('Description', description, 'description'),
        field('Scope', scope, 'scope'),
        options.create && teams.length > 0 ? field('Team', team, 'team_id') : null,
        field('Model', model, 'model', "'offline' is the local scripted model; a deployed model name when an endpoint is configured"),
        field('System prompt', systemPrompt, 'system_prompt'),
        field('Rules (one per line)', rules, 'rules'),
        field('Memory window (messages)', memory, 'memory_window')),
      h('div', null,
        toolList,
        h('fieldset', null, h('legend', null, 'Knowledge'),
          field('Retrieve from knowledge bases before each model call', kEnabled, 'knowledge.enabled'),
          field('Top K chunks', topK, 'knowledge.top_k'),
          field('Minimum score (0 to 1)', minScore, 'knowledge.min_score'),
          kbList),
        h('fieldset', null, h('legend', null, 'Limits per run'),
          field('Tool calls per turn', maxCalls, 'limits.max_tool_calls_per_turn'),
          field('Loops', maxLoops, 'limits.max_loops'),
          field('Tokens', maxTokens, 'limits.max_tokens'),
          field('Seconds', maxSeconds, 'limits.max_execution_seconds')))),
    h('div', { class: 'actions' }, submit));

  const checked = (list: string) => [...form.querySelectorAll<HTMLInputElement>(`input[data-list="${list}"]`)].filter((c) => c.checked).map((c) => c.value);
  const toNumber = (input: HTMLInputElement) => (input.value.trim() === '' ? Number.NaN : Number(input.value));
  return {
    form,
    read: () => ({
      name: name.value.trim(),
      description: description.value.trim() || null,
      scope: scope.value as 'user' | 'team',
      model: model.value.trim(),
      system_prompt: systemPrompt.value,
      rules: rules.value.split('\n').map((r) => r.trim()).filter(Boolean),
      tools: checked('tools'),
      knowledge: { enabled: kEnabled.checked, top_k: toNumber(topK), min_score: toNumber(minScore), knowledge_base_ids: checked('knowledge.knowledge_base_ids') },
      memory_window: toNumber(memory),
      limits: {
        max_tool_calls_per_turn: toNumber(maxCalls),
        max_loops: toNumber(maxLoops),
        max_tokens: toNumber(maxTokens),
        max_execution_seconds: toNumber(maxSeconds),
      },
      ...(options.create && teams.length > 0 ? { team_id: team.value } : {}),
    }),
  };
}
