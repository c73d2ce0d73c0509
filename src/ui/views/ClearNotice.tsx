import { CLEAR_CORPUS } from '../../pipeline/clearCorpus.ts';

/** The CLEAR corpus's citation and licence, said beside every use of it. */
export function ClearNotice({ use }: { use: string }) {
  return (
    <p className="licence-note" data-testid="clear-notice">
      {use}: the {CLEAR_CORPUS.name}, {CLEAR_CORPUS.citation} Licensed{' '}
      <a href={CLEAR_CORPUS.licenceUrl} target="_blank" rel="noreferrer">
        {CLEAR_CORPUS.licence}
      </a>
      : attribution, non-commercial use only, adaptations shared alike.
    </p>
  );
}
