import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * Keeps the rooms of DESIGN.md apart: `files` may import nothing from the `rooms` named, except
 * the files of a room listed in `allowed`.
 */
function boundary(files, rooms, allowed = {}) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: rooms.map((room) => ({
            group: [`**/${room}/**`, ...(allowed[room] ?? []).map((f) => `!**/${room}/${f}`)],
            message: `${files.join(', ')} may not import this from ${room}/ (see DESIGN.md's boundaries).`,
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
  boundary(['src/analysis/**', 'src/readability/**'], ['engine', 'ui', 'pipeline', 'cli', 'data']),
  boundary(['src/data/**'], ['engine', 'ui', 'pipeline', 'cli']),
  boundary(['src/engine/**'], ['ui', 'pipeline', 'cli']),
  boundary(['src/pipeline/**'], ['ui', 'cli']),
  boundary(['src/cli/**'], ['ui']),
  // The page talks to the engine's worker through the protocol and its client only.
  boundary(['src/ui/**'], ['engine', 'cli'], { engine: ['protocol.ts', 'client.ts'] }),
);
