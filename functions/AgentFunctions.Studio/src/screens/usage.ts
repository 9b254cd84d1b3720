// Usage and billing: tokens per day by model and tool calls per agent (chart.js, bundled), the plan's limits against
// what is used, invoice drafts with their lines, and CSV downloads (Accept: text/csv, the key in the header).
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Title, Tooltip,
} from 'chart.js';
import { pages, type Page } from '../api';
import { h, heading, pagedTable, showProblem, toast, when, field } from '../ui';
import { agentName, downloadCsv, listAgents, num } from '../lib/more';
import type { Screen, ScreenContext } from './types';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Title, Tooltip);

interface UsageRow {
  meter: string;
  model?: string | null;
  day?: string | null;
  agent_id?: string | null;
  quantity: number;
  events: number;
}

interface LimitRow {
  name: string;
  limit?: number | null;
  used?: number | null;
  window: string;
}

interface Limits {
  plan_id?: string | null;
  plan_version?: number | null;
  period_from: string;
  period_to: string;
  limits: LimitRow[];
}

interface InvoiceLine {
  meter: string;
  model?: string | null;
  quantity: number;
  unit: string;
  unit_size: number;
  unit_price: number;
  amount: number;
  plan_version: number;
}

interface Invoice {
  id: string;
  period: string;
  revision: number;
  plan_id?: string | null;
  currency: string;
  lines: InvoiceLine[];
  total: number;
  event_count: number;
  generated_at: string;
}

const TOKEN_METERS = ['model.input_tokens', 'model.output_tokens'];
const palette = ['#0b5cad', '#b4451f', '#1d6b32', '#7a4b00', '#6a3d9a', '#00838f', '#a4161a', '#4f5864'];

/** A chart with a text alternative: the canvas, and the same numbers as a table for screen readers (and tests). */
function chartBlock(title: string, testId: string, labels: string[], series: Map<string, number[]>, stacked: boolean, tableLabels = labels): HTMLElement {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${title}: ${[...series.keys()].join(', ') || 'no data'}`, 'data-testid': testId, height: 260 });
  // The table is hidden in a clipped box: a table cannot shrink below its content, so .sr-only on the table itself would
  // still widen the page (the screen scrolled sideways).
  const table = h('div', { class: 'sr-only' }, h('table', { class: 'table', 'data-testid': `${testId}-data` },
    h('caption', null, title),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Series'), tableLabels.map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', null, [...series.entries()].map(([name, values]) => h('tr', null, h('th', { scope: 'row' }, name), values.map((v) => h('td', null, num(v))))))));
  const block = h('figure', { class: 'card chart' }, h('figcaption', null, h('strong', null, title)), h('div', { class: 'chart-box' }, canvas), table);
  if (labels.length === 0) {
    block.append(h('p', { class: 'muted' }, 'No usage in this period yet.'));
    return block;
  }
  queueMicrotask(() => {
    const chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels,
        datasets: [...series.entries()].map(([label, data], i) => ({ label, data, backgroundColor: palette[i % palette.length] })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    canvas.dataset.series = chart.data.datasets.map((d) => d.label).join(',');
  });
  return block;
}

async function usageCharts(ctx: ScreenContext, host: HTMLElement, from: string, to: string): Promise<void> {
  const byDayModel: UsageRow[] = [];
  for await (const row of pages<UsageRow>(ctx.api, '/usage', { group_by: 'day,model', from, to, limit: 200 })) byDayModel.push(row);
  const byAgent: UsageRow[] = [];
  for await (const row of pages<UsageRow>(ctx.api, '/usage', { group_by: 'agent', from, to, limit: 200 })) byAgent.push(row);

  const tokenRows = byDayModel.filter((r) => TOKEN_METERS.includes(r.meter));
  const days = [...new Set(tokenRows.map((r) => r.day ?? ''))].sort();
  const models = [...new Set(tokenRows.map((r) => r.model ?? '(none)'))].sort();
  const tokens = new Map(models.map((m) => [m, days.map((d) => tokenRows.filter((r) => (r.model ?? '(none)') === m && r.day === d).reduce((s, r) => s + r.quantity, 0))]));

  const toolRows = byAgent.filter((r) => r.meter === 'tool.calls');
  const agents = [...new Set(toolRows.map((r) => r.agent_id ?? '(none)'))].sort();
  const calls = new Map([['tool calls', agents.map((a) => toolRows.filter((r) => (r.agent_id ?? '(none)') === a).reduce((s, r) => s + r.quantity, 0))]]);

  // Agents by name (and id, which is what the usage rows carry); a deleted agent keeps its bare id.
  const names = new Map((toolRows.length ? await listAgents(ctx.api).catch(() => []) : []).map((a) => [a.id, agentName(a)]));
  const agentLabels = agents.map((a) => names.get(a) ?? a);
  const agentColumns = agents.map((a) => (names.has(a) ? `${names.get(a)} (${a})` : a));

  host.replaceChildren(h('div', { class: 'grid2' },
    chartBlock('Tokens per day by model', 'tokens-chart', days, tokens, true),
    chartBlock('Tool calls per agent', 'tools-chart', agentLabels, toolRows.length ? calls : new Map(), false, agentColumns)));
}

function limitsBlock(limits: Limits): HTMLElement {
  const rows = limits.limits.map((l) => {
    const pct = l.limit && l.used != null ? Math.min(100, Math.round((l.used / l.limit) * 100)) : null;
    return h('tr', { 'data-limit': l.name },
      h('th', { scope: 'row' }, l.name.replace(/_/g, ' ')),
      h('td', null, num(l.used)),
      h('td', null, l.limit == null ? 'unlimited' : num(l.limit)),
      h('td', null, pct === null ? '' : h('progress', { max: 100, value: pct, 'aria-label': `${l.name.replace(/_/g, ' ')}: ${pct}% used` }), pct === null ? '' : ` ${pct}%`),
      h('td', null, l.window));
  });
  return h('div', { class: 'card' },
    h('h2', null, 'Budget and limits'),
    h('p', null, `Plan ${limits.plan_id ?? '(none: no limits)'}${limits.plan_version ? ` v${limits.plan_version}` : ''}; month ${limits.period_from.slice(0, 10)} to ${limits.period_to.slice(0, 10)} (UTC).`),
    h('table', { class: 'table', 'data-testid': 'limits' },
      h('caption', null, 'Consumption against the plan'),
      h('thead', null, h('tr', null, ['Limit', 'Used', 'Allowed', 'Consumed', 'Window'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows)));
}

function invoiceDetail(ctx: ScreenContext, invoice: Invoice, host: HTMLElement): void {
  const csv = h('button', { type: 'button', class: 'secondary' }, 'Download CSV');
  csv.addEventListener('click', () => downloadCsv(ctx.api, `/invoices/${encodeURIComponent(invoice.id)}`, {}, `invoice-${invoice.period}-r${invoice.revision}.csv`).catch((err) => showProblem(host, err)));
  host.replaceChildren(h('div', { class: 'card' },
    h('h3', null, `Invoice draft ${invoice.period}, revision ${invoice.revision}`),
    h('p', null, `Total ${invoice.total} ${invoice.currency} · ${num(invoice.event_count)} usage events · generated ${when(invoice.generated_at)} `, csv),
    h('table', { class: 'table' },
      h('caption', null, 'Lines'),
      h('thead', null, h('tr', null, ['Meter', 'Model', 'Quantity', 'Unit price', 'Amount', 'Plan version'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, invoice.lines.map((l) => h('tr', null,
        h('td', null, l.meter), h('td', null, l.model ?? ''), h('td', null, num(l.quantity)),
        h('td', null, `${l.unit_price} ${invoice.currency} per ${l.unit}`), h('td', null, `${l.amount} ${invoice.currency}`), h('td', null, `v${l.plan_version}`)))))));
}

export const usageScreen: Screen = {
  id: 'usage',
  title: 'Usage and billing',
  route: 'usage',
  nav: true,
  permission: 'view_billing',
  async render(ctx) {
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const fromInput = h('input', { type: 'date', value: monthStart.toISOString().slice(0, 10) });
    const toInput = h('input', { type: 'date', value: nextMonth.toISOString().slice(0, 10) });
    const charts = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading usage…'));
    const show = h('button', { type: 'button', class: 'secondary' }, 'Show');
    const csv = h('button', { type: 'button', class: 'secondary' }, 'Download usage CSV');
    const period = h('div', { class: 'card period' },
      field('From (UTC date)', fromInput, 'from'), field('To (UTC date, exclusive)', toInput, 'to'), h('div', { class: 'actions' }, show, csv));
    const load = async () => {
      try {
        await usageCharts(ctx, charts, fromInput.value, toInput.value);
        charts.setAttribute('aria-busy', 'false');
      } catch (err) {
        charts.replaceChildren();
        showProblem(charts, err);
      }
    };
    show.addEventListener('click', () => void load());
    csv.addEventListener('click', () => downloadCsv(ctx.api, '/usage', { group_by: 'day,model,agent', from: fromInput.value, to: toInput.value }, `usage-${fromInput.value}.csv`)
      .catch((err) => showProblem(period, err)));

    const limitsHost = h('div');
    const invoiceHost = h('div');
    const draft = h('button', { type: 'button' }, 'Draft this month\'s invoice');
    const invoices = pagedTable<Invoice>({
      caption: 'Invoice drafts',
      columns: [
        { header: 'Period', cell: (i) => i.period },
        { header: 'Revision', cell: (i) => String(i.revision) },
        { header: 'Total', cell: (i) => `${i.total} ${i.currency}` },
        { header: 'Lines', cell: (i) => String(i.lines.length) },
        { header: 'Generated', cell: (i) => when(i.generated_at) },
        { header: 'Actions', cell: (i) => h('button', { type: 'button', class: 'secondary small', onclick: () => invoiceDetail(ctx, i, invoiceHost) }, `Lines of ${i.period} r${i.revision}`) },
      ],
      load: (cursor) => ctx.api.get<Page<Invoice>>('/invoices', { cursor }),
      empty: 'No invoice drafts yet.',
    });
    draft.addEventListener('click', async () => {
      try {
        const invoice = await ctx.api.post<Invoice>('/invoices/drafts', { period: now.toISOString().slice(0, 7) });
        toast(`Invoice draft ${invoice.period} revision ${invoice.revision}`);
        invoiceDetail(ctx, invoice, invoiceHost);
        await invoices.reload();
      } catch (err) {
        showProblem(invoiceHost, err);
      }
    });

    ctx.root.append(heading('Usage and billing'), period, charts, limitsHost,
      h('h2', null, 'Invoices'), h('div', { class: 'actions' }, draft), invoices, invoiceHost);
    try {
      limitsHost.replaceChildren(limitsBlock(await ctx.api.get<Limits>('/usage/limits')));
    } catch (err) {
      showProblem(limitsHost, err);
    }
    await load();
  },
};
