// Converts between stored customer attributes and the strings/booleans that
// the schema-generated form edits, and back into the JSON the API expects.
import type { Attribute } from '@/api/client';

export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

/** Attributes shown in the add/edit form: everything except ignored ones. */
export function editableAttributes(attributes: Attribute[]): Attribute[] {
  return attributes.filter((a) => a.role !== 'ignored');
}

export function toFormValues(attributes: Attribute[], stored: Record<string, unknown> = {}): FormValues {
  const out: FormValues = {};
  for (const a of editableAttributes(attributes)) {
    const v = stored[a.name];
    if (a.type === 'boolean') out[a.name] = v === true;
    else out[a.name] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

/**
 * Builds the request's attributes object. Blank inputs become null (unset),
 * numbers are sent as JSON numbers when they parse and as the typed text
 * otherwise, so the server's validation reports the field with its own
 * message. With `initial`, only changed attributes are returned (for PATCH).
 */
export function fromFormValues(
  attributes: Attribute[],
  values: FormValues,
  initial?: FormValues,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of editableAttributes(attributes)) {
    const raw = values[a.name];
    if (raw === undefined) continue;
    if (initial && initial[a.name] === raw) continue;
    out[a.name] = convert(a, raw);
  }
  return out;
}

function convert(a: Attribute, raw: FormValue): unknown {
  if (a.type === 'boolean') return raw === true;
  const text = String(raw).trim();
  if (text === '') return null;
  if (a.type === 'number' || a.type === 'integer') {
    const n = Number(text);
    if (Number.isFinite(n) && (a.type === 'number' || Number.isInteger(n))) return n;
    return text;
  }
  return text;
}
