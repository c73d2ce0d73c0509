import type { EncodedText } from '../../engine/protocol.ts';

/** Mean L2 norm of the tokens of one layer. */
export function meanTokenNorm(result: EncodedText, layer: number): number {
  const { hidden, states } = result;
  const tokens = result.tokens.length;
  let total = 0;
  for (let t = 0; t < tokens; t++) {
    let sq = 0;
    const base = (layer * tokens + t) * hidden;
    for (let h = 0; h < hidden; h++) sq += states[base + h] ** 2;
    total += Math.sqrt(sq);
  }
  return total / tokens;
}

/** One row per hidden state: what each layer produced for this text. */
export function LayerSummary({ result }: { result: EncodedText }) {
  const { layers, hidden, states } = result;
  const tokens = result.tokens.length;
  return (
    <section aria-label="Per-layer output" className="layer-summary">
      <h2>
        Every layer ({layers} hidden states, {tokens} tokens)
      </h2>
      {result.truncation && (
        <p role="status" className="warning">
          This text has {result.truncation.totalTokens} tokens; the model reads at most{' '}
          {result.truncation.keptTokens}, so the rest was cut.
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Mean token norm</th>
            <th scope="col">First values of the &lt;s&gt; token</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: layers }, (_, l) => (
            <tr key={l} data-layer={l}>
              <th scope="row">{l === 0 ? 'Embeddings' : `Layer ${l}`}</th>
              <td>{meanTokenNorm(result, l).toFixed(3)}</td>
              <td className="mono">
                {Array.from(states.subarray(l * tokens * hidden, l * tokens * hidden + 4), (v) =>
                  v.toFixed(3),
                ).join('  ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
