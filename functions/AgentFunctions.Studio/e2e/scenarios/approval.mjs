// Approval: builtin.http_fetch set to need approval; a chat message makes the run pause; the run shows up under the
// awaiting-approval filter, and approving it on the run's timeline lets it finish.
export default async function (page, ctx) {
  await ctx.api('POST', '/tools/register', {
    name: 'builtin.http_fetch', kind: 'builtin', requires_approval: true, http: { allowed_hosts: ['127.0.0.1'] },
  }, [409]);
  const agent = (await ctx.api('POST', '/agents', {
    name: ctx.unique('fetch-bot'),
    system_prompt: 'You fetch pages when asked.',
    tools: ['builtin.http_fetch'],
  })).json;
  await ctx.signIn();
  await page.goto(`${ctx.studio}#/chat/${agent.id}`);
  await page.getByLabel('Message').fill(`Is the platform up?\n/call builtin.http_fetch {"url":"${ctx.base}/api/v1/health"}`);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('[data-testid="chat-status"]', { hasText: 'awaiting approval' }).waitFor();
  ctx.check('the chat says the run waits for approval', await page.getByText('Waiting for approval to call').isVisible());

  // Runs, filtered to those awaiting approval.
  await page.locator('nav.side-nav').getByRole('link', { name: 'Runs', exact: true }).click();
  await page.getByLabel('Agent', { exact: true }).selectOption(agent.id);
  await page.getByLabel('Status').selectOption('awaiting_approval');
  const row = page.locator('table.table tbody tr').first();
  await row.waitFor();
  ctx.check('the filter lists the paused run', (await row.textContent()).includes('awaiting approval'));
  await ctx.screen('runs');

  await row.locator('a[href^="#/run/"]').click();
  await page.locator('[data-testid="run-status"]', { hasText: 'awaiting approval' }).waitFor();
  await page.getByRole('button', { name: 'Approve' }).waitFor();
  await ctx.screen('run-awaiting-approval');
  await page.getByLabel('Reason').fill('checked the URL');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ timeout: 20000 });
  const kinds = await page.locator('[data-testid="timeline"] li.step').evaluateAll((items) => items.map((i) => i.dataset.kind));
  ctx.check('the timeline shows the approval and the tool call after it', kinds.includes('approval_requested') && kinds.includes('approval_granted')
    && kinds.indexOf('tool_call') > kinds.indexOf('approval_granted'), kinds.join(','));
  await page.locator('details.tool-call summary').first().click();
  ctx.check('the approved fetch reached the host', (await page.locator('details.tool-call').first().textContent()).includes('healthy')
    || (await page.locator('details.tool-call').first().textContent()).includes('succeeded'));
  await ctx.screen('run-approved');
}
