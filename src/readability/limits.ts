// Kept apart from lite.ts so that the page can use it without bundling (and decoding) the weights.

/** Below this many words a text is far from the excerpts the lite model learnt from. */
export const MIN_WORDS = 50;
