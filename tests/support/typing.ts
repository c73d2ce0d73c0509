/**
 * Typing in the Read view while a long text is encoded: the texts, the steps and the page-side
 * recorders, shared by the e2e test (tests/e2e/playground.test.ts, which checks what happens) and
 * `npm run bench -- --only typing` (scripts/bench/typing.ts, which measures how long it blocks).
 */
import type { Locator, Page } from 'playwright-core';

interface Recorded {
  __encodeRequests: string[];
}

/** Far more tokens than any bundled or bench model reads (the sample excerpt, varied). */
export const LONG_TEXT = Array.from(
  { length: 18 },
  (_, i) =>
    `Part ${i + 1}. When the young people returned to the ballroom, it presented a decidedly ` +
    'changed appearance. Instead of an interior scene, it was a winter landscape. The floor was ' +
    'covered with snow-white canvas, not laid on smoothly, but rumpled over bumps and hillocks, ' +
    'like a real snow field. The numerous palms and evergreens were powdered with flour.',
).join(' ');

/** What is typed, one key at a time, at the end of the text. */
export const TYPED =
  ' and then, while the encoder was still reading, somebody kept on typing more words';

/** Between two keys: a brisk typist, and well under the view's 300 ms settle time. */
export const KEY_DELAY_MS = 60;

/**
 * Init script: records the text of every `encode` request the page posts to a worker (the engine
 * protocol's `{ type: 'encode', text }`) in `self.__encodeRequests`, so a test can wait until a
 * given text has gone to the engine.
 */
export const ENCODE_REQUESTS_SCRIPT = `
  self.__encodeRequests = [];
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (message && message.type === 'encode') self.__encodeRequests.push(message.text);
    return post.call(this, message, ...rest);
  };
`;

/**
 * Init script for the bench: main-thread long tasks (`PerformanceObserver`, type `longtask`) in
 * `self.__longTasks`, and for each input event the time from the event to the next animation frame
 * (`requestAnimationFrame` after it) in `self.__keyLatency`, both on the page's clock.
 */
export const RESPONSIVENESS_SCRIPT = `
  self.__longTasks = [];
  self.__keyLatency = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) self.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  addEventListener('input', (e) => {
    const at = e.timeStamp;
    requestAnimationFrame(() => self.__keyLatency.push({ at, ms: performance.now() - at }));
  }, true);
`;

/** The Read view's text box. */
export const textBox = (page: Page): Locator => page.getByRole('textbox', { name: /Text/ });

/** How many encode requests the page has posted so far. */
export function encodeRequestCount(page: Page): Promise<number> {
  return page.evaluate(() => (self as unknown as Recorded).__encodeRequests.length);
}

/**
 * Waits until the page has posted an encode request for exactly `text` to the engine's worker,
 * among the requests after the first `since`.
 */
export async function waitForEncodeRequest(page: Page, text: string, since = 0, timeout = 60_000) {
  await page.waitForFunction(
    ({ t, n }) => (self as unknown as Recorded).__encodeRequests.slice(n).includes(t),
    { t: text, n: since },
    { timeout },
  );
}

/**
 * Puts the long text in the box and returns once it has settled and gone to the engine's worker:
 * its encode is then in flight, and the analysis and the panels' render are still to come.
 */
export async function startLongEncode(page: Page, timeout?: number) {
  const since = await encodeRequestCount(page);
  await textBox(page).fill(LONG_TEXT);
  await waitForEncodeRequest(page, LONG_TEXT, since, timeout);
}

/** Types `TYPED` at the end of the box, one key every `KEY_DELAY_MS`. */
export async function typeAtEnd(page: Page) {
  const box = textBox(page);
  // The end of the whole text, not of the (wrapped) line the caret is on.
  await box.press('Control+End');
  await box.pressSequentially(TYPED, { delay: KEY_DELAY_MS });
}

/**
 * Waits until the layers panel shows `text`: an encode request for it came after the first
 * `since`, and the panel is no longer marked busy (encoding, analysing, or showing an older text).
 */
export async function waitForPanelsOn(page: Page, text: string, since: number, timeout = 120_000) {
  await waitForEncodeRequest(page, text, since, timeout);
  await page.waitForFunction(
    () => document.querySelector('.layers-panel')?.getAttribute('aria-busy') === 'false',
    null,
    { timeout },
  );
}
