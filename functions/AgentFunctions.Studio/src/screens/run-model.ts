// Shapes of the runs API and the pieces the chat and the run timeline both draw (steps, tool calls, citations).
import type { Api } from '../api';
import { badge, h, when } from '../ui';

export interface TokenUsage { input_tokens: number; output_tokens: number; total?: number }
export interface RunStep { index: number; kind: string; at: string; tool?: string | null; call_id?: string | null; detail?: string | null; usage?: TokenUsage | null }
export interface ToolCallRecord { call_id: string; tool: string; arguments_json: string; outcome: string; result?: string | null; error?: string | null; attempts: number; duration_ms: number; child_run_id?: string | null }
export interface Citation { document_id: string; chunk_id: string; title?: string | null; score: number; heading_path?: string[] | null; page?: number | null }
export interface RunUsage { input_tokens: number; output_tokens: number; model_calls: number; tool_calls: number; total_tokens: number }
export interface RunView {
  id: string; agent_id: string; agent_version: number; session_id?: string | null; parent_run_id?: string | null; status: string;
  answer?: string | null; reason?: string | null; steps: RunStep[]; tool_calls: ToolCallRecord[]; citations: Citation[]; usage: RunUsage;
  pending_approval_call_id?: string | null; pending_approval_tool?: string | null; created_at: string; ended_at?: string | null;
}
export interface RunSummary {
  id: string; agent_id: string; agent_version: number; session_id?: string | null; parent_run_id?: string | null; user_id: string;
  status: string; reason?: string | null; usage: RunUsage; created_at: string; ended_at?: string | null;
}

export const runStatuses = ['running', 'awaiting_approval', 'completed', 'failed', 'cancelled', 'tool_call_limit_reached',
  'loop_limit_reached', 'token_limit_reached', 'time_limit_reached', 'budget_exceeded'];

export function isFinal(status: string): boolean {
  return status !== 'running' && status !== 'awaiting_approval';
}

const kindNames: Record<string, string> = {
  model_call: 'Model call',
  tool_call: 'Tool call',
  tool_refused: 'Tool refused',
  approval_requested: 'Approval requested',
  approval_granted: 'Approval granted',
  approval_rejected: 'Approval rejected',
  approval_timed_out: 'Approval timed out',
  finished: 'Finished',
};

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

/** One step as a list item: kind, tool, tokens, the time since the previous step, and its detail (expandable when long). */
export function stepItem(step: RunStep, previousAt?: string): HTMLLIElement {
  const took = previousAt ? new Date(step.at).getTime() - new Date(previousAt).getTime() : undefined;
  const tokens = step.usage ? `${step.usage.input_tokens} in / ${step.usage.output_tokens} out tokens` : null;
  const detail = step.detail ?? '';
  return h('li', { class: `step step-${step.kind}`, 'data-kind': step.kind },
    h('strong', null, kindNames[step.kind] ?? step.kind),
    step.tool ? [' ', h('code', null, step.tool)] : null,
    took !== undefined && took >= 0 ? h('span', { class: 'muted' }, ` · +${ms(took)}`) : null,
    tokens ? h('span', { class: 'muted' }, ` · ${tokens}`) : null,
    detail.length > 120 || step.kind === 'tool_call'
      ? h('details', null, h('summary', null, step.kind === 'tool_call' ? 'Result' : `${detail.slice(0, 100)}…`), h('pre', null, detail))
      : detail ? h('div', { class: 'muted' }, detail) : null);
}

function pretty(json: string | null | undefined): string {
  if (!json) return '';
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** A tool call, expandable: arguments, result or error, attempts and duration. */
export function toolCallItem(call: ToolCallRecord): HTMLElement {
  return h('details', { class: 'tool-call', 'data-tool': call.tool },
    h('summary', null, h('code', null, call.tool), ' ', badge(call.outcome), h('span', { class: 'muted' }, ` · ${ms(call.duration_ms)} · ${call.attempts} attempt(s)`)),
    h('div', null,
      // Labels, not headings: a tool call sits under an h1 (chat) or an h2 (run), and an h4 there skips levels.
      h('p', { class: 'label' }, h('strong', null, 'Arguments')), h('pre', null, pretty(call.arguments_json)),
      call.result ? [h('p', { class: 'label' }, h('strong', null, 'Result')), h('pre', null, pretty(call.result))] : null,
      call.error ? [h('p', { class: 'label' }, h('strong', null, 'Error')), h('pre', { class: 'error' }, call.error)] : null,
      call.child_run_id ? h('p', null, 'Child run: ', h('a', { href: `#/run/${encodeURIComponent(call.child_run_id)}` }, call.child_run_id)) : null));
}

interface DocumentInfo { id: string; knowledge_base_id?: string; name?: string; file_name?: string; status?: string; content_type?: string; [k: string]: unknown }

/**
 * A citation linked to its document: opening it looks the document up in the agent's knowledge bases and links to the
 * knowledge base's screen.
 */
export function citationItem(api: Api, citation: Citation, knowledgeBaseIds: string[]): HTMLElement {
  const title = citation.title || citation.document_id;
  const body = h('div', { class: 'muted' }, 'Opening…');
  const details = h('details', { class: 'citation', 'data-document': citation.document_id },
    h('summary', null, h('span', { class: 'doc-link' }, title),
      h('span', { class: 'muted' }, ` · score ${citation.score.toFixed(3)}${citation.page ? ` · page ${citation.page}` : ''}${citation.heading_path?.length ? ` · ${citation.heading_path.join(' › ')}` : ''}`)),
    body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    for (const kb of knowledgeBaseIds) {
      try {
        const doc = await api.get<DocumentInfo>(`/knowledge-bases/${encodeURIComponent(kb)}/documents/${encodeURIComponent(citation.document_id)}`);
        const name = doc.name ?? doc.file_name ?? title;
        body.replaceChildren(
          h('p', null, h('a', { href: `#/knowledge/${encodeURIComponent(kb)}?document=${encodeURIComponent(doc.id)}`, 'data-testid': 'citation-link' }, `Open ${name}`),
            doc.status ? [' · ', badge(String(doc.status))] : null, ' in knowledge base ', h('code', null, kb)),
          h('p', { class: 'muted' }, 'Document ', h('code', null, doc.id), ', chunk ', h('code', null, citation.chunk_id)));
        return;
      } catch {
        // Not in this knowledge base: try the next.
      }
    }
    body.replaceChildren(h('p', null, 'Document ', h('code', null, citation.document_id), ', chunk ', h('code', null, citation.chunk_id),
      ' (not found in the agent\'s knowledge bases any more).'));
  });
  return details;
}

export function runLine(run: { id: string; status: string; created_at: string }): HTMLElement {
  return h('span', null, h('a', { href: `#/run/${encodeURIComponent(run.id)}` }, run.id), ' ', badge(run.status), ' ', when(run.created_at));
}
