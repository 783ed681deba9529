/** JSON and YAML documents for scripts: the versioned schema of docs/output-schema.md. */
export async function renderDocument(document: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  const { stringify } = await import('yaml');
  return stringify(document, { lineWidth: 0 });
}
