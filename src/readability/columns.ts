import { formulas } from './formulas.ts';
import { predictLite } from './lite.ts';

/** The lite score and every classic formula of a text, keyed by column name. */
export function textColumns(text: string): Record<string, number> {
  const columns: Record<string, number> = { lite: predictLite(text).target };
  for (const f of formulas(text)) if (Number.isFinite(f.value)) columns[f.id] = f.value;
  return columns;
}
