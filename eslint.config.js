import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Keeps the rooms of DESIGN.md apart: `files` may import nothing from the `rooms` named. */
function boundary(files, rooms) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: rooms.map((room) => ({
            group: [`**/${room}/**`],
            message: `${files.join(', ')} may not import from ${room}/ (see DESIGN.md's boundaries).`,
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
);
