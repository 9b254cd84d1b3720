// Citation: an agent answering from a knowledge base; its answer in the chat cites the document, and following the
// citation opens the knowledge base's screen with that document shown.
export default async function (page, ctx) {
  const kb = (await ctx.api('POST', '/knowledge-bases', { name: ctx.unique('policies') })).json;
  const form = new FormData();
  form.append('file', new Blob(['# Returns\n\nItems can be returned within 14 days with the receipt.\n'], { type: 'text/markdown' }), 'returns.md');
  const uploaded = await fetch(`${ctx.base}/api/v1/knowledge-bases/${kb.id}/documents`, {
    method: 'POST', headers: { Authorization: `Bearer ${ctx.key}` }, body: form, signal: AbortSignal.timeout(15000),
  });
  const doc = await uploaded.json();
  ctx.check('the document was accepted', uploaded.ok, uploaded.status);
  for (let i = 0; i < 60 && (await ctx.api('GET', `/knowledge-bases/${kb.id}/documents/${doc.id}`)).json.status !== 'indexed'; i++) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const agent = (await ctx.api('POST', '/agents', {
    name: ctx.unique('policy-bot'), system_prompt: 'Answer from the policies.',
    knowledge: { enabled: true, top_k: 3, knowledge_base_ids: [kb.id] },
  })).json;

  await ctx.signIn();
  await page.goto(`${ctx.studio}#/chat/${agent.id}`);
  await page.getByLabel('Message').fill('How many days do I have to return an item?');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('[data-testid="chat-status"]', { hasText: 'completed' }).waitFor();
  const citation = page.locator(`details.citation[data-document="${doc.id}"]`);
  await citation.locator('summary').click();
  const link = citation.getByRole('link', { name: 'Open returns.md' });
  await link.waitFor();
  ctx.check('the answer cites the document', (await citation.locator('summary').textContent()).includes('returns.md'));
  await ctx.screen('chat-citation');

  await link.click();
  const cited = page.locator('[data-testid="cited-document"]');
  await cited.getByRole('heading', { name: 'Cited document: returns.md' }).waitFor();
  ctx.check('the link opens the knowledge base with the document', page.url().includes(`#/knowledge/${kb.id}?document=${doc.id}`), page.url());
  ctx.check('the document shows as indexed', (await cited.textContent()).includes('indexed'));
  const marked = await page.locator(`#doc-${doc.id}.cited`).waitFor({ timeout: 10000 }).then(() => true, () => false);
  ctx.check('its row in the list is marked', marked);
  await ctx.screen('knowledge-cited');
}
