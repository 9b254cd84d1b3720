// Knowledge: knowledge bases; drag-and-drop upload with a labelled file input beside it; document status updating live
// (polled while any document is indexing); a query playground with the chunks, scores and citations an agent would see.
import { Api, type Page } from '../api';
import { h, field, heading, pagedTable, pageLoader, showFormProblem, showProblem, clearErrors, badge, toast, when } from '../ui';
import { num, whileShown } from '../lib/more';
import type { Screen, ScreenContext } from './types';

interface KnowledgeBase {
  id: string;
  name: string;
  description?: string | null;
  chunk_tokens: number;
  overlap_tokens: number;
  created_at: string;
}

interface KnowledgeDocument {
  id: string;
  name: string;
  format: string;
  size_bytes: number;
  version: number;
  status: 'indexing' | 'indexed' | 'failed';
  reason?: string | null;
  chunk_count: number;
  updated_at: string;
}

interface Hit {
  chunk_id: string;
  document_id: string;
  document_name: string;
  content: string;
  score: number;
  citation: { heading_path: string[]; page: number | null; start: number; end: number };
}

function createForm(ctx: ScreenContext, done: () => void): HTMLElement {
  const name = h('input', { type: 'text', required: true });
  const description = h('input', { type: 'text' });
  const submit = h('button', { type: 'submit' }, 'Create knowledge base');
  const form = h('form', { class: 'card', 'aria-label': 'Create a knowledge base', novalidate: true },
    h('h2', null, 'Create a knowledge base'), field('Name', name, 'name'), field('Description', description, 'description'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const kb = await ctx.api.post<KnowledgeBase>('/knowledge-bases', { name: name.value.trim(), description: description.value.trim() || undefined });
      toast(`Created ${kb.name}`);
      done();
      ctx.navigate(`knowledge/${encodeURIComponent(kb.id)}`);
    } catch (err) {
      showFormProblem(form, err);
    }
  });
  return form;
}

export const knowledgeScreen: Screen = {
  id: 'knowledge',
  title: 'Knowledge',
  route: 'knowledge',
  nav: true,
  permission: 'view_agents',
  render(ctx) {
    const formHost = h('div');
    const create = h('button', { type: 'button', hidden: !ctx.can('manage_knowledge') }, 'Create a knowledge base');
    const table = pagedTable<KnowledgeBase>({
      caption: 'Knowledge bases',
      columns: [
        { header: 'Name', cell: (kb) => h('a', { href: `#/knowledge/${encodeURIComponent(kb.id)}` }, kb.name) },
        { header: 'Id', cell: (kb) => h('code', null, kb.id) },
        { header: 'Description', cell: (kb) => kb.description ?? '' },
        { header: 'Chunking', cell: (kb) => `${kb.chunk_tokens} tokens, ${kb.overlap_tokens} overlap` },
        { header: 'Created', cell: (kb) => when(kb.created_at) },
      ],
      load: pageLoader<KnowledgeBase>(ctx.api, '/knowledge-bases'),
      empty: 'No knowledge bases yet.',
    });
    create.addEventListener('click', () => {
      formHost.replaceChildren(createForm(ctx, () => { formHost.replaceChildren(); void table.reload(); }));
      formHost.querySelector('input')?.focus();
    });
    ctx.root.append(heading('Knowledge', create),
      h('p', { class: 'muted' }, 'Documents your agents answer from: uploaded, extracted, chunked, embedded and indexed.'), formHost, table);
  },
};

async function upload(ctx: ScreenContext, kbId: string, files: FileList | File[], status: HTMLElement): Promise<void> {
  for (const file of Array.from(files)) {
    status.textContent = `Uploading ${file.name}…`;
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const response = await ctx.api.raw(`/knowledge-bases/${encodeURIComponent(kbId)}/documents`, { method: 'POST', body: form });
      const doc = await Api.read<KnowledgeDocument>(response);
      status.textContent = `${file.name} uploaded: ${doc.status}.`;
    } catch (err) {
      status.textContent = '';
      showProblem(status.parentElement ?? ctx.root, err);
    }
  }
}

export const knowledgeBaseScreen: Screen = {
  id: 'knowledge-base',
  title: 'Knowledge base',
  route: 'knowledge/:knowledgeBaseId',
  permission: 'view_agents',
  async render(ctx) {
    const kbId = ctx.params.knowledgeBaseId!;
    const kb = await ctx.api.get<KnowledgeBase>(`/knowledge-bases/${encodeURIComponent(kbId)}`);
    // A citation links here with ?document=<id>: that document is shown on top (it may be on a later page of the list).
    const cited = ctx.query.get('document') ?? '';
    let citedCard: HTMLElement | null = null;
    if (cited) {
      try {
        const doc = await ctx.api.get<KnowledgeDocument>(`/knowledge-bases/${encodeURIComponent(kbId)}/documents/${encodeURIComponent(cited)}`);
        citedCard = h('section', { class: 'card cited-document', 'aria-labelledby': 'cited-title', 'data-testid': 'cited-document' },
          h('h2', { id: 'cited-title' }, `Cited document: ${doc.name}`),
          h('dl', { class: 'facts' },
            h('dt', null, 'Status'), h('dd', null, badge(doc.status, doc.status === 'indexed' ? 'completed' : doc.status === 'failed' ? 'failed' : 'running'), doc.reason ? ` ${doc.reason}` : ''),
            h('dt', null, 'Id'), h('dd', null, h('code', null, doc.id)),
            h('dt', null, 'Format'), h('dd', null, doc.format),
            h('dt', null, 'Chunks'), h('dd', null, String(doc.chunk_count)),
            h('dt', null, 'Size'), h('dd', null, `${num(doc.size_bytes)} bytes`),
            h('dt', null, 'Version'), h('dd', null, `v${doc.version}`),
            h('dt', null, 'Updated'), h('dd', null, when(doc.updated_at))),
          h('p', { class: 'muted' }, 'Ask the query playground below to see this document\'s chunks.'));
      } catch (err) {
        citedCard = h('section', { class: 'card', 'data-testid': 'cited-document' });
        showProblem(citedCard, err);
      }
    }

    const docs = pagedTable<KnowledgeDocument>({
      caption: 'Documents',
      columns: [
        { header: 'Name', cell: (d) => h('span', { id: `doc-${d.id}`, class: d.id === cited ? 'cited' : undefined }, d.name) },
        { header: 'Status', cell: (d) => [badge(d.status, d.status === 'indexed' ? 'completed' : d.status === 'failed' ? 'failed' : 'running'), d.reason ? h('div', { class: 'field-error' }, d.reason) : null] },
        { header: 'Chunks', cell: (d) => String(d.chunk_count) },
        { header: 'Size', cell: (d) => `${num(d.size_bytes)} bytes` },
        { header: 'Version', cell: (d) => `v${d.version}` },
        { header: 'Updated', cell: (d) => when(d.updated_at) },
      ],
      load: (cursor) => ctx.api.get<Page<KnowledgeDocument>>(`/knowledge-bases/${encodeURIComponent(kbId)}/documents`, { cursor }),
      empty: 'No documents yet: drop a file above.',
    });
    // Live status: while a document is indexing, the list is re-read every 1.5 s.
    whileShown(docs, 1500, async () => {
      if (!docs.querySelector('.badge-running')) return;
      await docs.reload();
    });

    const status = h('p', { role: 'status', class: 'muted', 'data-testid': 'upload-status' });
    const input = h('input', { type: 'file', multiple: true, accept: '.txt,.md,.markdown,.html,.htm,.pdf,.docx,.json,.csv' });
    input.addEventListener('change', async () => {
      if (input.files?.length) await upload(ctx, kbId, input.files, status);
      input.value = '';
      await docs.reload();
    });
    const drop = h('div', { class: 'dropzone', role: 'region', 'aria-label': 'Drop files here to upload them', tabindex: '0' },
      h('p', null, h('strong', null, 'Drop files here'), ' (text, Markdown, HTML, PDF, Word, JSON, CSV), or choose them:'),
      field('Files to upload', input, 'file'),
      status);
    drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', async (event) => {
      event.preventDefault();
      drop.classList.remove('over');
      const files = event.dataTransfer?.files;
      if (files?.length) await upload(ctx, kbId, files, status);
      await docs.reload();
    });

    const query = h('input', { type: 'search', placeholder: 'What do the documents say about…' });
    const topK = h('input', { type: 'number', min: 1, max: 50, value: 5 });
    const mode = h('select', null, ['hybrid', 'keyword', 'vector'].map((m) => h('option', { value: m }, m)));
    const results = h('ol', { class: 'hits', 'data-testid': 'query-results' });
    const ask = h('button', { type: 'submit' }, 'Query');
    const playground = h('form', { class: 'card', 'aria-label': 'Query playground', novalidate: true },
      h('h2', null, 'Query playground'),
      h('p', { class: 'muted' }, 'The chunks, scores and citations an agent using this knowledge base would get.'),
      field('Query', query, 'query'), field('Top k', topK, 'top_k'), field('Mode', mode, 'mode'),
      h('div', { class: 'actions' }, ask), results);
    playground.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(playground);
      ask.disabled = true;
      try {
        const answer = await ctx.api.post<{ items: Hit[] }>(`/knowledge-bases/${encodeURIComponent(kbId)}/query`,
          { query: query.value, top_k: Number(topK.value) || undefined, mode: mode.value });
        results.replaceChildren(...(answer.items.length === 0 ? [h('li', { class: 'muted' }, 'No chunk matched.')] : answer.items.map((hit) => {
          const where = [hit.citation.heading_path.join(' › '), hit.citation.page ? `page ${hit.citation.page}` : '', `characters ${hit.citation.start}–${hit.citation.end}`].filter(Boolean).join(', ');
          return h('li', { class: 'card hit', 'data-chunk': hit.chunk_id },
            h('div', { class: 'hit-head' },
              h('strong', null, h('a', { href: `#/knowledge/${encodeURIComponent(kbId)}`, onclick: (e: Event) => { e.preventDefault(); document.getElementById(`doc-${hit.document_id}`)?.scrollIntoView(); } }, hit.document_name)),
              h('span', { class: 'score', 'data-testid': 'score' }, `score ${hit.score.toFixed(4)}`)),
            h('p', { class: 'muted citation' }, `Citation: ${hit.document_name}${where ? ` (${where})` : ''} · chunk ${hit.chunk_id}`),
            h('pre', null, hit.content));
        })));
      } catch (err) {
        showFormProblem(playground, err);
      } finally {
        ask.disabled = false;
      }
    });

    ctx.root.append(heading(kb.name),
      h('p', null, h('a', { href: '#/knowledge' }, '← Knowledge bases'), ' · ', h('code', null, kb.id), kb.description ? ` · ${kb.description}` : ''),
      citedCard ?? '', ctx.can('manage_knowledge') ? drop : '', docs, playground);
  },
};
