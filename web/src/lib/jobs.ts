// One line that says what a finished job did, from its `result`.
export function jobOutcome(kind: string, result: unknown): string | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : null);
  if (kind === 'import') {
    const parts = [
      n(r.created) !== null && `${n(r.created)} created`,
      n(r.updated) !== null && `${n(r.updated)} updated`,
      n(r.skipped) !== null && `${n(r.skipped)} skipped`,
    ].filter(Boolean);
    return parts.length ? parts.join(', ') : null;
  }
  if (kind === 'export') {
    const parts = [n(r.customers) !== null && `${n(r.customers)} customers`, typeof r.format === 'string' && r.format.toUpperCase()].filter(Boolean);
    return parts.length ? parts.join(' · ') : null;
  }
  if (kind === 'train') {
    const model = r.model as { version?: number; stage?: string } | undefined;
    if (!model || typeof model.version !== 'number') return null;
    return `model v${model.version}${r.promoted ? ' · in production' : ' · kept as candidate'}`;
  }
  if (kind === 'score') {
    if (n(r.scored) === null) return null;
    return `${n(r.scored)} customers scored${typeof r.model_version === 'number' ? ` with v${r.model_version}` : ''}`;
  }
  return null;
}
