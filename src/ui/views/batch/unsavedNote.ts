/**
 * What the user is told when the browser refused to keep some of a run's cached `what` (its
 * storage full, or the store closed): the run went on, and the next one reads them again.
 */
export function unsavedNote(texts: number, what: 'features' | 'tokens'): string {
  return (
    `This browser refused to keep the ${what} of ${texts} ${texts === 1 ? 'text' : 'texts'} ` +
    '(its storage may be full). This run used them all the same; the next run reads them from ' +
    'the model again. “Clear cached features” frees the space the cache takes.'
  );
}
