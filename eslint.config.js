import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** The libraries that run a model: only engine/ imports them (one owner for the model). */
const MODEL_LIBRARIES = ['onnxruntime-web', 'onnxruntime-node', '@huggingface/transformers'];

/**
 * Keeps the rooms of DESIGN.md apart: `files` may import nothing from the `rooms` named, except
 * the files of a room listed in `allowed`, and nothing from MODEL_LIBRARIES unless `ownsModel`.
 */
function boundary(files, rooms, { allowed = {}, ownsModel = false } = {}) {
  const where = files.join(', ');
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: (ownsModel ? [] : MODEL_LIBRARIES).map((name) => ({
            name,
            message: `${where} may not import ${name}: only engine/ runs the model (see DESIGN.md).`,
          })),
          patterns: rooms.map((room) => ({
            group: [`**/${room}/**`, ...(allowed[room] ?? []).map((f) => `!**/${room}/${f}`)],
            message: `${where} may not import this from ${room}/ (see DESIGN.md's boundaries).`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'public/models', 'test-results', 'bench'] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: {
      ecmaVersion: 2023,
      globals: { ...globals.browser, ...globals.node },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // engine/dtypes.ts is a constant list with no imports: heads validate their dtype against it.
  boundary(['src/analysis/**', 'src/readability/**'], ['engine', 'ui', 'pipeline', 'cli', 'data'], {
    allowed: { engine: ['dtypes.ts'] },
  }),
  boundary(['src/data/**'], ['engine', 'ui', 'pipeline', 'cli']),
  boundary(['src/engine/**'], ['ui', 'pipeline', 'cli'], { ownsModel: true }),
  boundary(['src/pipeline/**'], ['ui', 'cli']),
  boundary(['src/cli/**'], ['ui']),
  // The page talks to the engine's worker through the protocol and its client only.
  boundary(['src/ui/**'], ['engine', 'cli'], {
    allowed: { engine: ['protocol.ts', 'client.ts', 'dtypes.ts'] },
  }),
);
