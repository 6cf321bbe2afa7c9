// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'data/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  { files: ['**/*.cli.ts', 'test/**', 'bench/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  {
    // The typed client and the contract suite prove that the document needs no casts.
    files: ['test/support/api-client.ts', 'test/contract/**'],
    rules: {
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  { files: ['scripts/**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  // SQL lives in the repositories (docs/database.md): no other file of src/ sends a statement.
  // src/database/ is the layer below them (connections, migrations, schema tools).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.repository.ts', 'src/database/**', 'src/**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(query|createQueryBuilder|streamSql|getRepository|getRawMany|execute)$/]',
          message: 'SQL belongs in a repository (*.repository.ts) with a @GenerateSql example; see docs/database.md.',
        },
      ],
    },
  },
  // src/common/ is the bottom layer: it imports nothing else of src/ (config, database, statistics …).
  // What needs them belongs higher up (src/http/ is the HTTP edge) or takes them as parameters.
  {
    files: ['src/common/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./', message: 'src/common/ may not import from the rest of src/ (README, Architecture)' }] }] },
  },
  {
    files: ['src/common/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./\\.\\./', message: 'src/common/ may not import from the rest of src/ (README, Architecture)' }] }] },
  },
);
