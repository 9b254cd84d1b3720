// Knowledge: create a knowledge base, upload a document with the labelled file input and another by a drop on the
// drop zone, watch their status turn indexed (the list polls), and query: chunks with scores and citations.
export default async function (page, ctx) {
  await ctx.signIn();
  await page.goto(`${ctx.studio}#/knowledge`);
  await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Create a knowledge base' }).click();
  const name = ctx.unique('handbook');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create knowledge base' }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  await ctx.screen('knowledge-base-empty');

  const handbook = '# Refunds\n\nCustomers may ask for a refund within 30 days of delivery. Refunds go back to the original card.\n\n'
    + '# Shipping\n\nOrders ship from Lyon within two working days.\n';
  await page.getByLabel('Files to upload').setInputFiles({ name: 'handbook.md', mimeType: 'text/markdown', buffer: Buffer.from(handbook) });
  await page.locator('[data-testid="upload-status"]', { hasText: 'handbook.md uploaded' }).waitFor();

  // Drag and drop: a file dropped on the zone uploads the same way.
  await page.evaluate(() => {
    const zone = document.querySelector('.dropzone');
    const data = new DataTransfer();
    data.items.add(new File(['# Opening hours\n\nThe support desk answers from 9 to 17, Monday to Friday.\n'], 'hours.md', { type: 'text/markdown' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await page.locator('[data-testid="upload-status"]', { hasText: 'hours.md uploaded' }).waitFor();

  // Status updates live: both rows reach "indexed" without a reload.
  await page.locator('table tr', { hasText: 'handbook.md' }).locator('.badge', { hasText: 'indexed' }).waitFor({ timeout: 60000 });
  await page.locator('table tr', { hasText: 'hours.md' }).locator('.badge', { hasText: 'indexed' }).waitFor({ timeout: 60000 });
  ctx.check('both documents became indexed while the screen was open', true);

  await page.getByRole('searchbox', { name: 'Query' }).fill('How long do customers have to ask for a refund?');
  await page.getByRole('button', { name: 'Query' }).click();
  const first = page.locator('[data-testid="query-results"] li.hit').first();
  await first.waitFor();
  const text = await first.textContent();
  const score = await first.locator('[data-testid="score"]').textContent();
  ctx.check('the best chunk is the refund paragraph', text.includes('30 days'), text.slice(0, 200));
  ctx.check('the hit shows its score', /score \d+\.\d{4}/.test(score), score);
  ctx.check('the hit cites its document and heading', text.includes('Citation: handbook.md') && text.includes('Refunds'), text.slice(0, 300));
  await ctx.screen('knowledge-base');

  await page.goto(`${ctx.studio}#/knowledge`);
  await page.getByRole('link', { name }).waitFor();
  await ctx.screen('knowledge');
}
