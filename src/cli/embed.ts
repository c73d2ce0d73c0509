/**
 * `readscope embed`: pooled features per id, one CSV row each (`id,f0,f1,…`), written chunk by
 * chunk so the file can be far larger than memory.
 */
import { open } from 'node:fs/promises';
import type { HeadStrategy } from '../analysis/head.ts';
import { STRATEGIES, layerSpan, poolOptionsFor, validLayers } from '../analysis/pooling.ts';
import { resultsCsv, type ResultColumn } from '../data/submission.ts';
import { featuresFrom } from '../pipeline/scoring.ts';
import {
  CliError,
  EXIT_OK,
  intOption,
  onePositional,
  parseCommandArgs,
  pathIn,
  required,
  type CliIo,
} from './io.ts';
import {
  HEAD_STRATEGIES,
  MODEL_HELP,
  COMMAND_OPTIONS,
  embedInChunks,
  loadModel,
  parseStrategies,
  poolingsFor,
} from './model.ts';
import { absentIdsNote, readRows } from './rows.ts';

export const EMBED_HELP = `Usage: readscope embed input.csv --model M --out features.csv [--pooling P] [--layer L]

Writes one row per id: id, then the pooled feature vector (f0, f1, ...).

Options:
${MODEL_HELP}
  --out FILE      CSV to write (required)
  --pooling P     one of: ${HEAD_STRATEGIES.join(', ')} (default mean)
  --layer L       hidden state to pool (0 = embeddings; default: the last one P can use)
  --skip-bad-rows leave out rows that cannot be used instead of stopping
  -h, --help      this help

Exit codes: 0 ok, 1 unexpected error, 2 bad input.
`;

const OPTIONS = {
  ...COMMAND_OPTIONS,
  pooling: { type: 'string' },
  layer: { type: 'string' },
} as const;

/** Runs `readscope embed`; returns the exit code. */
export async function embed(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('embed', args, OPTIONS);
  if (values.help) {
    io.stdout.write(EMBED_HELP);
    return EXIT_OK;
  }
  const input = onePositional('embed', positionals, 'CSV file');
  const out = required('embed', 'out', values.out);
  if (!out.toLowerCase().endsWith('.csv')) throw new CliError('--out must be a .csv file.');
  const strategies = parseStrategies(values.pooling ?? 'mean');
  if (strategies.length !== 1) throw new CliError('--pooling takes one strategy.');
  const strategy: HeadStrategy = strategies[0];
  const askedLayer =
    values.layer === undefined ? undefined : intOption('layer', values.layer, 0, 0);

  const { rows, problems } = await readRows(io, input, 'test', values['skip-bad-rows'] ?? false);
  const engine = await loadModel(io, values);
  const { info } = engine;
  const poolOptions = poolOptionsFor(info.layers);
  const layers = validLayers(strategy, info.layers, poolOptions);
  const layer = askedLayer ?? layers.at(-1);
  if (strategy === 'pooler' && !info.extraOutputs.includes('pooler_output')) {
    await engine.release();
    throw new CliError(`${info.modelId} has no pooler output; choose another --pooling.`);
  }
  if (layer === undefined || !layerSpan(strategy, layer, info.layers, poolOptions)) {
    await engine.release();
    throw new CliError(
      `${strategy} cannot sit at layer ${layer ?? '(none)'} of ${info.modelId}; ` +
        `valid layers: ${layers.join(', ') || 'none'}.`,
    );
  }

  const dim = STRATEGIES[strategy].outputSize(info.hidden);
  type Row = { id: string; values: Float32Array };
  const columns: ResultColumn<Row>[] = [
    { header: 'id', kind: 'text', value: (r) => r.id },
    ...Array.from({ length: dim }, (_, k): ResultColumn<Row> => ({
      header: `f${k}`,
      kind: 'number',
      value: (r) => r.values[k],
    })),
  ];
  const file = await open(pathIn(io, out), 'w');
  try {
    await embedInChunks(
      io,
      engine,
      rows.map((r) => r.text),
      poolingsFor([strategy]),
      async (batch, start) => {
        const features = featuresFrom(batch, strategy, layer, poolOptions); // [count, dim]
        const chunk = Array.from({ length: batch.count }, (_, i) => ({
          id: rows[start + i].id,
          values: features.subarray(i * dim, (i + 1) * dim),
        }));
        const csv = resultsCsv(chunk, columns);
        // The header line holds no quoted newline (id, f0…), so the first chunk keeps it, the rest drop it.
        await file.write(start === 0 ? csv : csv.slice(csv.indexOf('\n') + 1));
      },
    );
  } finally {
    await file.close();
    await engine.release();
  }
  io.stderr.write(
    `wrote ${rows.length} × ${dim} features (${strategy}, layer ${layer}) to ${out}\n` +
      absentIdsNote(rows, problems),
  );
  return EXIT_OK;
}
