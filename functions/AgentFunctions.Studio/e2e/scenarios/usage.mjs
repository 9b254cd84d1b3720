// Usage: after a run (model tokens and a tool call), the tokens chart's canvas is drawn and its data names the model;
// the tool-calls chart names the agent; the plan's limits show consumption; an invoice draft shows its lines.
export default async function (page, ctx) {
  const agent = (await ctx.api('POST', '/agents', { name: ctx.unique('metered'), scope: 'team', tools: ['builtin.current_time'] })).json;
  const run = (await ctx.api('POST', `/agents/${agent.id}/execute`, { input: 'what time is it?\n/call builtin.current_time {}' })).json;
  ctx.check('the run completed', run.status === 'completed', run.status);

  await ctx.signIn();
  await page.goto(`${ctx.studio}#/usage`);
  await page.getByRole('heading', { name: 'Usage and billing', level: 1 }).waitFor();
  const tokens = page.locator('canvas[data-testid="tokens-chart"][data-series]');
  await tokens.waitFor();
  const series = await tokens.getAttribute('data-series');
  ctx.check('the tokens chart\'s data has the model', series.split(',').includes('offline'), series);
  const drawn = await tokens.evaluate((canvas) => {
    const { width, height } = canvas;
    const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    return { width, height, painted };
  });
  ctx.check('the tokens chart\'s canvas is drawn', drawn.width > 0 && drawn.painted > 500, JSON.stringify(drawn));
  const table = await page.locator('[data-testid="tokens-chart-data"]').textContent();
  ctx.check('the chart has a text alternative with the model', table.includes('offline'));
  const tools = page.locator('canvas[data-testid="tools-chart"][data-series]');
  await tools.waitFor();
  const toolData = await page.locator('[data-testid="tools-chart-data"]').textContent();
  ctx.check('the tool-calls chart names the agent', toolData.includes(agent.id), toolData.slice(0, 200));

  const budget = page.locator('[data-testid="limits"] tr[data-limit="monthly_token_budget"]');
  await budget.waitFor();
  ctx.check('the budget row shows tokens used', /\d/.test(await budget.locator('td').first().textContent()));

  await page.getByRole('button', { name: 'Draft this month\'s invoice' }).click();
  await page.getByRole('table', { name: 'Lines' }).waitFor();
  ctx.check('the invoice draft shows its lines', (await page.getByRole('table', { name: 'Lines' }).locator('tbody tr').count()) > 0);
  await ctx.screen('usage');
}
