/**
 * `readscope fit --clear`: the CLEAR corpus shipped with the app (public/data/clear-train.csv) as
 * the labelled file, or a stratified subset of it, read and validated like any train.csv.
 */
import { fileURLToPath } from 'node:url';
import type { LabelledRow } from '../data/csv.ts';
import {
  CLEAR_CORPUS,
  MIN_SUBSET,
  corpusLabel,
  stratifiedSubset,
  subsetCount,
  trainedOnCorpus,
  type SubsetSize,
} from '../pipeline/clearCorpus.ts';
import { CliError, type CliIo } from './io.ts';
import { readRows } from './rows.ts';

/** The options `fit` takes for the corpus. */
export const CLEAR_OPTIONS = {
  clear: { type: 'boolean' },
  subset: { type: 'string' },
} as const;

/** Their lines in `fit --help`. */
export const CLEAR_HELP = `  --clear             fit on the CLEAR corpus shipped with readscope instead of a file
                      (${CLEAR_CORPUS.excerpts} excerpts; ${CLEAR_CORPUS.short}, ${CLEAR_CORPUS.licence})
  --subset N          with --clear: a subset of N excerpts stratified by target, or all
                      (default 500)`;

/** Where the corpus lies in this checkout or package. */
export const CLEAR_CORPUS_FILE = fileURLToPath(
  new URL(`../../public/${CLEAR_CORPUS.path}`, import.meta.url),
);

/** --subset: `all` or a whole number of excerpts from MIN_SUBSET on. */
export function parseSubset(value: string | undefined): SubsetSize {
  if (value === undefined) return 500;
  if (value.trim() === 'all') return 'all';
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < MIN_SUBSET)
    throw new CliError(
      `--subset must be all or a whole number of excerpts, at least ${MIN_SUBSET}; got "${value}".`,
    );
  return n;
}

/** The corpus's rows for `fit`, the subset asked for, and what a head fitted on them says. */
export async function clearRows(
  io: CliIo,
  subset: string | undefined,
): Promise<{ rows: LabelledRow[]; trainedOn: string }> {
  const size = parseSubset(subset);
  const { rows: all } = await readRows(io, CLEAR_CORPUS_FILE, 'train', false);
  const rows = stratifiedSubset(all, subsetCount(size, all.length));
  io.stderr.write(
    `${corpusLabel(rows.length, all.length)}, stratified by target. ${CLEAR_CORPUS.citation} ` +
      `Licensed ${CLEAR_CORPUS.licence} (${CLEAR_CORPUS.licenceUrl}): a head fitted on it is ` +
      'derived from it.\n',
  );
  return { rows, trainedOn: trainedOnCorpus(rows.length, all.length) };
}
