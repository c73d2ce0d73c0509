import { automatedReadability } from 'automated-readability';
import { describe, expect, it } from 'vitest';
import {
  countText,
  emptyCounts,
  formula,
  formulas,
  fleschGrade,
  gradeLabel,
  isDaleChallFamiliar,
  words,
  type FormulaId,
  type TextCounts,
} from '../../src/readability/formulas.ts';

const counts = (partial: Partial<TextCounts>): TextCounts => ({ ...emptyCounts(), ...partial });

// Each expected value is worked by hand from the formula's published definition.
describe('formula values against hand-worked examples', () => {
  it.each<[FormulaId, Partial<TextCounts>, number, string]>([
    // Flesch (1948): 206.835 − 1.015·(W/S) − 84.6·(Syl/W) = 206.835 − 15.225 − 126.9
    ['flesch', { sentence: 2, word: 30, syllable: 45 }, 64.71, 'grades 8–9'],
    // Kincaid et al. (1975): 0.39·(W/S) + 11.8·(Syl/W) − 15.59 = 5.85 + 17.7 − 15.59
    ['fleschKincaid', { sentence: 2, word: 30, syllable: 45 }, 7.96, 'grade 8'],
    // Smith & Senter (1967): 4.71·(C/W) + 0.5·(W/S) − 21.43 = 21.195 + 7.5 − 21.43
    ['automatedReadability', { sentence: 2, word: 30, character: 135 }, 7.265, 'grade 7'],
    // Coleman & Liau (1975): 0.0588·L − 0.296·S − 15.8, L and S per 100 words = 26.46 − 1.48 − 15.8
    ['colemanLiau', { sentence: 5, word: 100, letter: 450 }, 9.18, 'grade 9'],
    // McLaughlin (1969): 1.043·√(poly·30/S) + 3.1291 = 1.043·4 + 3.1291
    ['smog', { sentence: 30, polysillabicWord: 16 }, 7.3011, 'grade 7'],
    // Chall & Dale (1995): 0.1579·PDW + 0.0496·ASL (+3.6365 when PDW > 5%) = 1.579 + 0.992 + 3.6365
    ['daleChall', { sentence: 5, word: 100, difficultWord: 10 }, 6.2075, 'grades 7–8'],
    // Below 5% difficult words there is no adjustment: 0.6316 + 0.992
    ['daleChall', { sentence: 5, word: 100, difficultWord: 4 }, 1.6236, 'grade 4 or below'],
    // Gunning (1952): 0.4·(W/S + 100·complex/W) = 0.4·(20 + 10)
    ['gunningFog', { sentence: 5, word: 100, complexPolysillabicWord: 10 }, 12, 'grade 12'],
    // Spache revised (1974): 0.121·(W/S) + 0.082·(% unfamiliar) + 0.659 = 1.21 + 0.41 + 0.659
    ['spache', { sentence: 10, word: 100, unfamiliarWord: 5 }, 2.279, 'grade 2'],
  ])('%s of %o is %d (%s)', (id, partial, expected, label) => {
    const result = formula(id, counts(partial));
    expect(result.value).toBeCloseTo(expected, 6);
    expect(result.gradeLabel).toBe(label);
    expect(result.meaning.length).toBeGreaterThan(20);
  });

  it('gives NaN and a dash for an empty text rather than throwing', () => {
    for (const result of formulas('')) {
      expect(result.value).toBeNaN();
      expect(result.gradeLabel).toBe('—');
    }
  });
});

describe('counting', () => {
  it('counts a short text by hand', () => {
    // the·cat·sat·on·the·mat / it·was·hap-py: 9 words, 10 syllables, 27 letters.
    const c = countText('The cat sat on the mat. It was happy.');
    expect(c).toMatchObject({ sentence: 2, word: 9, syllable: 10, letter: 27, character: 27 });
    expect(c.polysillabicWord).toBe(0);
    // Flesch on those counts: 206.835 − 1.015·4.5 − 84.6·10/9 = 108.2675
    expect(formulas('The cat sat on the mat. It was happy.')[0].value).toBeCloseTo(108.2675, 4);
  });

  it('counts polysyllables for SMOG but leaves proper nouns, compounds and -ed/-ing inflections out of fog', () => {
    const c = countText('Yesterday Jennifer created a well-educated plan. Everybody agreed.');
    // yes-ter-day, Jen-ni-fer, cre-at-ed, well-ed-u-cat-ed, Ev-ery-bo-dy
    expect(c.polysillabicWord).toBe(5);
    // Jennifer: proper noun; created: cre-ate + -ed; well-educated: compound.
    expect(c.complexPolysillabicWord).toBe(2);
  });

  it('feeds the package the same counts it documents', () => {
    const c = countText('The cat sat on the mat. It was happy.');
    expect(formula('automatedReadability', c).value).toBe(automatedReadability(c));
  });

  it.each([
    ['house', true],
    ['houses', true],
    ['walked', true],
    ['running', true],
    ["boy's", true],
    ['photosynthesis', false],
    ['ubiquitous', false],
  ])('Dale–Chall familiarity of %s is %s', (word, familiar) => {
    expect(isDaleChallFamiliar(word)).toBe(familiar);
  });

  it('keeps contractions, compounds and decimals whole', () => {
    expect(words("Don't pay $3.50 for snow-white rugs.")).toEqual([
      "Don't",
      'pay',
      '3.50',
      'for',
      'snow-white',
      'rugs',
    ]);
  });
});

describe('grade labels', () => {
  it.each([
    [95, 'grade 5'],
    [65, 'grades 8–9'],
    [10, 'college graduate'],
  ])('Flesch %d reads as %s', (ease, label) => expect(fleschGrade(ease).label).toBe(label));

  it.each([
    [0.4, 'kindergarten'],
    [3.6, 'grade 4'],
    [14, 'college'],
    [18, 'postgraduate'],
  ])('grade %d reads as %s', (grade, label) => expect(gradeLabel(grade)).toBe(label));
});
