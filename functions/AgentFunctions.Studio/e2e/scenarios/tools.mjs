// Tools and credentials: the schema editor flags a bad schema on its field as you type, a good one registers; a
// credential's secret is typed into a write-only field and never shown again.
export default async function (page, ctx) {
  await ctx.signIn();
  await page.goto(`${ctx.studio}#/tools`);
  await page.getByRole('heading', { name: 'Tools', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Register a tool' }).click();
  const name = `crm.lookup_${Date.now().toString(36)}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Description').fill('Look up a contact in the CRM');
  const schema = page.getByLabel('Input schema (JSON Schema, type object)');
  await schema.fill('{"type": "array"');
  await page.locator('[data-field="input_schema"] .field-error', { hasText: 'not valid JSON' }).waitFor();
  await schema.fill('{"type": "array"}');
  await page.locator('[data-field="input_schema"] .field-error', { hasText: 'type": "object' }).waitFor();
  ctx.check('a bad schema is flagged on the schema field', true);
  await schema.fill('{"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]}');
  await page.locator('[data-testid="schema-status"]', { hasText: 'Valid object schema' }).waitFor();
  await page.getByLabel('URL template').fill('https://api.example.com/contacts?email={email}');
  await page.getByLabel('Allowed hosts').first().fill('api.example.com');
  await ctx.screen('tools-editor');
  await page.getByRole('button', { name: 'Register tool' }).click();
  await page.getByRole('table', { name: 'Registered tools' }).locator('tr', { hasText: name }).waitFor();
  ctx.check('the tool registered', true, name);
  await ctx.screen('tools');

  await page.goto(`${ctx.studio}#/credentials`);
  await page.getByRole('heading', { name: 'Credentials', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Create a credential' }).click();
  const secret = `tok-${Date.now().toString(36)}-do-not-show`;
  await page.getByLabel('Meta (key=value per line, for lookups)').fill('system=crm');
  await page.getByLabel('Secret value').fill(secret);
  await page.getByLabel('Allowed hosts').fill('api.example.com');
  await page.getByRole('button', { name: 'Create credential' }).click();
  await page.getByRole('table', { name: 'Credentials (secrets are never listed)' }).locator('tr', { hasText: 'system=crm' }).first().waitFor();
  ctx.check('the secret is never shown again', !(await page.evaluate((s) => document.body.innerHTML.includes(s) || [...document.querySelectorAll('input')].some((i) => i.value === s), secret)));
  await ctx.screen('credentials');
}
