// Chat: a session with an agent whose offline model calls a tool; the steps appear one by one while the run goes on
// (watched with a MutationObserver), then the answer; the tool call opens to show its arguments and result.
export default async function (page, ctx) {
  const agent = (await ctx.api('POST', '/agents', {
    name: ctx.unique('clock-bot'),
    system_prompt: 'You tell the time.',
    tools: ['builtin.current_time'],
  })).json;
  await ctx.signIn();
  await page.getByRole('link', { name: 'Chat playground' }).click();
  await page.getByLabel('Agent', { exact: true }).selectOption(agent.id);
  await page.getByLabel('Message').waitFor();
  await ctx.screen('chat-empty');

  // Record, in order, when each step and the answer reach the page.
  await page.evaluate(() => {
    const seen = [];
    window.__chatTrace = seen;
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        const target = m.target instanceof HTMLElement ? m.target : m.target.parentElement;
        if (target?.closest('[data-testid="chat-answer"]') && m.addedNodes.length) seen.push('answer');
        for (const node of m.addedNodes) {
          if (node instanceof HTMLElement && node.matches('li.step')) seen.push(`step:${node.dataset.kind}`);
        }
      }
    }).observe(document.querySelector('[data-testid="chat-log"]'), { childList: true, subtree: true });
  });

  await page.getByLabel('Message').fill('What time is it?\n/call builtin.current_time {"timezone":"Europe/Paris"}');
  await page.getByRole('button', { name: 'Send' }).click();
  const answer = page.locator('[data-testid="chat-answer"]');
  await answer.filter({ hasText: 'You said: What time is it?' }).waitFor();
  await page.locator('[data-testid="chat-status"]', { hasText: 'completed' }).waitFor();
  const kinds = await page.locator('[data-testid="chat-steps"] li.step').evaluateAll((items) => items.map((i) => i.dataset.kind));
  ctx.check('the steps streamed: model call, tool call, model call, finished', kinds.join(',') === 'model_call,tool_call,model_call,finished', kinds.join(','));
  const trace = await page.evaluate(() => window.__chatTrace);
  const firstAnswer = trace.indexOf('answer');
  ctx.check('each step reached the page before the answer', firstAnswer === -1 || trace.slice(0, firstAnswer).filter((t) => t.startsWith('step:')).length === 4, trace.join(' '));

  const call = page.locator('details.tool-call[data-tool="builtin.current_time"]');
  await call.locator('summary').click();
  await call.locator('pre', { hasText: 'Europe/Paris' }).first().waitFor();
  ctx.check('the tool call opens to its arguments and result', (await call.locator('pre').count()) >= 2);
  ctx.check('the session is in the URL, the key is not', page.url().includes('session=ses_') && !page.url().includes(ctx.key), page.url());
  await ctx.screen('chat');

  // The run's timeline, from the chat.
  await page.locator('.msg-assistant a[href^="#/run/"]').first().click();
  await page.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor();
  const timeline = await page.locator('[data-testid="timeline"] li.step').count();
  ctx.check('the run timeline has the four steps', timeline === 4, timeline);
  await ctx.screen('run');
}
