import { useId, useState } from 'react';
import { headFits } from '../../../analysis/head.ts';
import { STRATEGIES } from '../../../analysis/pooling.ts';
import type { ModelInfo } from '../../../engine/protocol.ts';
import { useHeads } from '../../hooks/useHeads.ts';
import { loadedModel } from '../../../pipeline/scoring.ts';
import { downloadBlob } from './download.ts';

/** A file name made from a head's name: letters, digits, dots and dashes only. */
export function headFileName(name: string): string {
  const base = name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'head';
  return `${base}.head.json`;
}

/** Saved heads: which is active, which fit the loaded model; activate, export, delete, import. */
export function HeadList({ info }: { info: ModelInfo | null }) {
  const { heads, activeId, error, actions } = useHeads();
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const importId = useId();

  const importFile = async (file: File) => {
    const text = await file.text();
    const result = await actions.importJson(text, file.name.replace(/\.(head\.)?json$/i, ''));
    setNote(
      result.ok
        ? { ok: true, text: `Imported ${file.name}.` }
        : { ok: false, text: `${file.name} was not imported: ${result.reason}` },
    );
  };

  return (
    <section className="head-list" aria-labelledby="head-list-title">
      <h3 id="head-list-title">Saved heads</h3>
      {heads.length === 0 ? (
        <p>No heads yet. Fit one above, or import a head JSON file.</p>
      ) : (
        <table data-testid="head-list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Pooling</th>
              <th scope="col">CV RMSE</th>
              <th scope="col">Model</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {heads.map((r) => {
              const fit = info ? headFits(r.head, loadedModel(info)) : null;
              const isActive = r.id === activeId;
              return (
                <tr key={r.id} aria-current={isActive ? 'true' : undefined}>
                  <th scope="row">
                    {r.name}
                    {isActive && <strong> (active)</strong>}
                    {r.head.trainedOn && (
                      <div className="licence-note">Fitted on the {r.head.trainedOn}</div>
                    )}
                  </th>
                  <td>
                    {STRATEGIES[r.head.strategy].label},{' '}
                    {r.head.kind === 'learned'
                      ? r.head.strategy === 'conv1d'
                        ? `tokens of layer ${r.head.layer}`
                        : `layers ${r.head.poolOptions.layerStart}–${r.head.layer}`
                      : `layer ${r.head.layer}`}
                  </td>
                  <td className="mono">
                    {r.head.cvRmse.toFixed(3)} ± {r.head.cvRmseStd.toFixed(3)}
                  </td>
                  <td>
                    {r.head.modelId} ({r.head.dtype})
                    {fit && !fit.ok && <span className="warning"> — not the loaded model</span>}
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={isActive}
                      onClick={() => actions.activate(r.id)}
                      aria-label={`Make ${r.name} active`}
                    >
                      Make active
                    </button>{' '}
                    <button
                      type="button"
                      aria-label={`Export ${r.name} as JSON`}
                      onClick={() => {
                        const blob = actions.exportJson(r.id);
                        if (blob) downloadBlob(blob, headFileName(r.name));
                      }}
                    >
                      Export JSON
                    </button>{' '}
                    <button
                      type="button"
                      aria-label={`Delete ${r.name}`}
                      onClick={() => void actions.remove(r.id)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p>
        <label htmlFor={importId}>Import a head (JSON) </label>
        <input
          id={importId}
          type="file"
          accept=".json,application/json"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void importFile(file);
          }}
        />
      </p>
      {note && (
        <p role={note.ok ? 'status' : 'alert'} className={note.ok ? undefined : 'error'}>
          {note.text}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
