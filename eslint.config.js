import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Tests are outside the package builds: tsconfig.test.json types them.
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            // A light entry a package exports on purpose (start-up cost) is listed here and in .dependency-cruiser.cjs.
            { group: ['@preevy/*/*', '!@preevy/tunnel-server/config', '!@preevy/agent/image-context', '!@preevy/driver-kube-pod/options', '!@preevy/driver-vm/options', '!@preevy/driver-vm/ec2'], message: "Import a workspace package through its exports map ('@preevy/core'), never its internals." },
            { group: ['**/packages/*/src/**', '../../*/src/**'], message: 'Reach another package through its name and exports map, not a relative path.' },
          ],
        },
      ],
      // oclif's run()/catch() are async by contract even when a body has nothing to await.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);
