// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RowProblem } from '../../src/data/csv.ts';
import { headFileName } from '../../src/ui/views/batch/HeadList.tsx';
import { RowProblems } from '../../src/ui/views/batch/RowProblems.tsx';
import { formatDuration } from '../../src/ui/views/batch/download.ts';
import { unsavedNote } from '../../src/ui/views/batch/unsavedNote.ts';

afterEach(cleanup);

const PROBLEMS: RowProblem[] = [
  { ok: false, line: 7, code: 'empty-text', reason: 'the text is empty', id: 'a1' },
  { ok: false, line: 12, code: 'empty-id', reason: 'the id is empty' },
];

describe('RowProblems', () => {
  it('lists each bad row with its line and reason, and waits for the decision', () => {
    const onSkip = vi.fn();
    const onStop = vi.fn();
    render(
      <RowProblems
        problems={PROBLEMS}
        totalRows={10}
        purpose="score"
        isSkipping={false}
        onSkip={onSkip}
        onStop={onStop}
      />,
    );
    const rows = within(screen.getByTestId('row-problems')).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['7a1the text is empty', '12—the id is empty']);
    fireEvent.click(screen.getByRole('button', { name: 'Skip these 2 rows' }));
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onSkip).toHaveBeenCalledOnce();
    expect(onStop).toHaveBeenCalledOnce();
  });

  it.each([
    ['score', /score the other 8 rows/, /absent from the downloads\. 8 rows will be scored\./],
    ['fit', /fit on the other 8 rows/, /take no part in the fit\. 8 rows will be used\./],
  ] as const)(
    'says what skipping means for a file to %s, before and after',
    (purpose, offer, done) => {
      const view = (isSkipping: boolean) => (
        <RowProblems
          problems={PROBLEMS}
          totalRows={10}
          purpose={purpose}
          isSkipping={isSkipping}
          onSkip={vi.fn()}
          onStop={vi.fn()}
        />
      );
      const { rerender } = render(view(false));
      expect(screen.getByRole('group').textContent).toMatch(offer);
      rerender(view(true));
      expect(screen.getByRole('status').textContent).toMatch(done);
      // One row is spoken of as one.
      rerender(
        <RowProblems
          problems={PROBLEMS.slice(0, 1)}
          totalRows={10}
          purpose={purpose}
          isSkipping
          onSkip={vi.fn()}
          onStop={vi.fn()}
        />,
      );
      expect(screen.getByRole('status').textContent).toMatch(/^Skipping this row: its? /);
    },
  );

  it('shows nothing for a clean file', () => {
    const { container } = render(
      <RowProblems
        problems={[]}
        totalRows={10}
        purpose="score"
        isSkipping={false}
        onSkip={vi.fn()}
        onStop={vi.fn()}
      />,
    );
    expect(container.textContent).toBe('');
  });
});

it.each([
  ['Mean L3 · train.csv', 'Mean-L3-train.csv.head.json'],
  ['../../etc', '..-..-etc.head.json'],
  ['', 'head.head.json'],
])('names the export of head %j as %j', (name, file) => expect(headFileName(name)).toBe(file));

it.each([
  [3.25, '3.3 s'],
  [42, '42 s'],
  [125, '2 min 5 s'],
  [3720, '1 h 2 min'],
])('formats %d seconds as %s', (s, text) => expect(formatDuration(s)).toBe(text));

it('says how many texts the store refused, what happens next and how to free space', () => {
  expect(unsavedNote(1, 'tokens')).toMatch(/^This browser refused to keep the tokens of 1 text \(/);
  const note = unsavedNote(12, 'features');
  expect(note).toMatch(/the features of 12 texts/);
  expect(note).toMatch(/the next run reads them from the model again/);
  expect(note).toMatch(/“Clear cached features” frees/);
});
