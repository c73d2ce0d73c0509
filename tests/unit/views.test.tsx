// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { formulas } from '../../src/readability/formulas.ts';
import { predictLite } from '../../src/readability/lite.ts';
import type { SentenceContribution } from '../../src/readability/sentences.ts';
import { SupersededError } from '../../src/ui/workers/readabilityClient.ts';
import { CompareTexts, type CompareScorer } from '../../src/ui/views/CompareTexts.tsx';
import { HardSentences } from '../../src/ui/views/HardSentences.tsx';
import { LiteScore, describeTarget } from '../../src/ui/views/LiteScore.tsx';

afterEach(cleanup);

const EASY = 'The cat sat on the mat. The dog ran to the cat. They had fun in the sun.';
const HARD =
  'Notwithstanding considerable epistemological disagreement, contemporary philosophers characteristically emphasise institutional interdependence.';

/** What the readability worker sends for a text, computed here. */
const scoresOf = (text: string) => ({ text, lite: predictLite(text), formulas: formulas(text) });

describe('LiteScore', () => {
  it('shows a score on the CommonLit scale and all eight formulas with grades', () => {
    render(<LiteScore scores={scoresOf(EASY)} />);
    const score = Number(screen.getByLabelText('Lite readability score').textContent);
    expect(score).toBeGreaterThan(-4);
    expect(score).toBeLessThan(3);
    const rows = within(screen.getByRole('table')).getAllByRole('row');
    expect(rows).toHaveLength(9); // header + eight formulas
    expect(screen.getByRole('rowheader', { name: 'Flesch reading ease' })).toBeTruthy();
    expect(screen.getByRole('img').getAttribute('aria-label')).toMatch(/rater band/);
  });

  it('asks for text when there is none, and flags texts too short to trust', () => {
    const { rerender } = render(<LiteScore scores={scoresOf('')} />);
    expect(screen.getByText('Enter some text to score it.')).toBeTruthy();
    rerender(<LiteScore scores={scoresOf(EASY)} />);
    expect(screen.getByRole('note').textContent).toMatch(/Only 18 words/);
  });

  it('says it is computing until the first scores arrive, and why they failed', () => {
    const { rerender } = render(<LiteScore scores={null} />);
    expect(screen.getByRole('status').textContent).toBe('Computing the lite score…');
    rerender(<LiteScore scores={null} error="worker error" />);
    expect(screen.getByRole('status').textContent).toMatch(/could not be computed: worker error/);
  });

  it.each([
    [1, 'very easy'],
    [0, 'easy'],
    [-1, 'average'],
    [-2, 'hard'],
    [-3, 'very hard'],
  ])('describes %d as %s', (target, words) => expect(describeTarget(target)).toBe(words));
});

describe('HardSentences', () => {
  const text = 'Short one. A much harder sentence here. Easy end.';
  const contributions: SentenceContribution[] = [
    { text: 'Short one.', start: 0, end: 10, index: 0, hardness: -0.1 },
    { text: 'A much harder sentence here.', start: 11, end: 39, index: 1, hardness: 0.4 },
    { text: 'Easy end.', start: 40, end: 49, index: 2, hardness: -0.2 },
  ];

  it('lists sentences hardest first and highlights each in the text', () => {
    const { container } = render(
      <HardSentences text={text} contributions={contributions} source="lite model" />,
    );
    const items = within(
      screen.getByRole('list', { name: 'Sentences, hardest first' }),
    ).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      '+0.40 A much harder sentence here.',
      '-0.10 Short one.',
      '-0.20 Easy end.',
    ]);
    const marks = container.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(contributions.map((c) => c.text));
    expect(marks[1].closest('p')?.textContent).toBe(text);
  });

  it('says it is measuring until the contributions arrive', () => {
    render(<HardSentences text={text} contributions={null} source="lite model" />);
    expect(screen.getByRole('status').textContent).toMatch(/Measuring each sentence/);
    expect(screen.queryByRole('list')).toBeNull();
  });

  it('selects a sentence from the list with a keyboard-reachable button', () => {
    const { container } = render(
      <HardSentences text={text} contributions={contributions} source="lite model" />,
    );
    const button = screen.getAllByRole('button')[0];
    fireEvent.click(button);
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect((container.querySelector('mark[data-index="1"]') as HTMLElement).style.outline).toMatch(
      /solid/,
    );
  });
});

describe('CompareTexts', () => {
  // The lite model as the worker runs it, here on the test's thread.
  const lite: CompareScorer = (text) => {
    const { target, cvRmse } = predictLite(text);
    return Promise.resolve({ target, standardError: cvRmse });
  };

  it('asks for both texts, then gives P(A easier) with an interval', async () => {
    render(<CompareTexts score={lite} />);
    expect(screen.getByText('Enter both texts to compare them.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Text A'), { target: { value: EASY } });
    fireEvent.change(screen.getByLabelText('Text B'), { target: { value: HARD } });
    const line = (await screen.findByText(/P\(A reads easier than B\)/)).textContent ?? '';
    const p = Number(/= (\d+)%/.exec(line)?.[1]);
    expect(p).toBeGreaterThan(50);
    expect(screen.getByText(/95% interval/).textContent).toMatch(/\d+%–\d+%/);
  });

  it('uses the scorer it is given', async () => {
    const score: CompareScorer = (t) =>
      Promise.resolve({ target: t === 'a' ? 1 : 0, standardError: 0 });
    render(<CompareTexts initialA="a" initialB="b" score={score} />);
    expect((await screen.findByText(/P\(A reads easier than B\)/)).textContent).toMatch(/= 73%/);
  });

  it('shows each side as scoring until its score arrives, and ignores superseded texts', async () => {
    const pending = new Map<string, (s: { target: number; standardError: number }) => void>();
    const score: CompareScorer = (t) =>
      t === 'old'
        ? Promise.reject(new SupersededError())
        : new Promise((resolve) => pending.set(t, resolve));
    render(<CompareTexts initialA="old" initialB="b" score={score} />);
    fireEvent.change(screen.getByLabelText('Text A'), { target: { value: 'new' } });
    expect(screen.getByText(/Score A:/).textContent).toBe('Score A: scoring…');
    // Scored once typing settles.
    await waitFor(() => expect(pending.has('new')).toBe(true));
    pending.get('new')!({ target: 0.5, standardError: 0.1 });
    await screen.findByText('Score A: 0.50 ± 0.10');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('scores once typing settles, not on every keystroke', async () => {
    const asked: string[] = [];
    const score: CompareScorer = (t) => {
      asked.push(t);
      return Promise.resolve({ target: 0, standardError: 0.5 });
    };
    render(<CompareTexts score={score} />);
    for (const value of ['T', 'Th', 'The', 'The cat']) {
      fireEvent.change(screen.getByLabelText('Text A'), { target: { value } });
    }
    await screen.findByText('Score A: 0.00 ± 0.50');
    expect(asked).toEqual(['The cat']);
  });

  it('says what scored the texts, and gives P without an interval when no error is stated', async () => {
    const score: CompareScorer = (t) =>
      Promise.resolve({ target: t === 'a' ? 1 : 0, standardError: Number.NaN });
    render(<CompareTexts initialA="a" initialB="b" score={score} scoredBy="a fine-tuned export" />);
    const verdict = await screen.findByText(/P\(A reads easier than B\)/);
    expect(verdict.closest('p')?.textContent).toBe(
      'P(A reads easier than B) = 73% (no interval: the scorer states no error for its scores).',
    );
    expect(screen.getByText('Score A: 1.00')).toBeTruthy();
    expect(screen.getByText('Scored by a fine-tuned export.')).toBeTruthy();
  });
});
