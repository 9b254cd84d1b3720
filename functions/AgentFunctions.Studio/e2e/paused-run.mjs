// Scenario setup shared by reject and cancel: an agent whose builtin.http_fetch needs approval, and a run of it (started
// through the API without waiting) that pauses before the call. Answers { agent, run }.
export async function pausedRun(ctx, prefix) {
  await ctx.api('POST', '/tools/register', {
    name: 'builtin.http_fetch', kind: 'builtin', requires_approval: true, http: { allowed_hosts: ['127.0.0.1'] },
  }, [409]);
  const agent = (await ctx.api('POST', '/agents', { name: ctx.unique(prefix), tools: ['builtin.http_fetch'] })).json;
  const run = (await ctx.api('POST', `/agents/${agent.id}/execute`, {
    input: `Is the platform up?\n/call builtin.http_fetch {"url":"${ctx.base}/api/v1/health"}`, wait: false,
  })).json;
  return { agent, run };
}
