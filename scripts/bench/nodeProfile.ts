/**
 * ORT's profiler on onnxruntime-node: the session options that turn it on, and the events read
 * back from the JSON file it writes (named from a prefix in a fresh temporary folder).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrtSession } from '../../src/engine/session.ts';
import type { ProfileEvent } from './variants.ts';

export function nodeProfile() {
  const dir = mkdtempSync(join(tmpdir(), 'readscope-profile-'));
  return {
    options: { enableProfiling: true, profileFilePrefix: join(dir, 'ort') },
    /** Ends profiling and reads the events back. */
    read: async (session: OrtSession): Promise<ProfileEvent[]> => {
      await (session as unknown as { endProfiling(): Promise<void> }).endProfiling();
      const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
      return JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
