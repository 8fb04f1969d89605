/**
 * The architecture's dependency rules (../shared/design/architecture.md), checked on every test run:
 *   cli -> drivers -> core -> tunnel-protocol;  cli -> tunnel-server -> tunnel-protocol;  agent -> tunnel-protocol
 * Violations fail `npm run deps:check`.
 */
const pkg = (name) => `^packages/${name}/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles make load order and layering fragile.', from: {}, to: { circular: true } },
    {
      name: 'core-stays-neutral',
      severity: 'error',
      comment: 'core is the domain: no CLI framework, UI library or cloud SDK. Drivers and cli own those.',
      from: { path: pkg('core') },
      to: { path: '(^|/)node_modules/(@oclif/|oclif/|@kubernetes/|@aws-sdk/|ora/|inquirer/|@inquirer/|chalk/|listr2/)' },
    },
    {
      name: 'only-cli-imports-drivers',
      severity: 'error',
      comment: 'cli is the composition root: the only place that knows which drivers exist.',
      from: { path: '^packages/', pathNot: `${pkg('cli')}|${pkg('driver-[^/]+')}` },
      to: { path: pkg('driver-[^/]+') },
    },
    {
      name: 'driver-not-other-driver',
      severity: 'error',
      comment: 'Drivers are independent implementations of core\'s contract.',
      from: { path: '^packages/(driver-[^/]+)/' },
      to: { path: '^packages/driver-[^/]+/', pathNot: '^packages/$1/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      comment: 'cli sits on top; importing it from below inverts the layering.',
      from: { path: '^packages/', pathNot: pkg('cli') },
      to: { path: pkg('cli') },
    },
    {
      name: 'tunnel-peers-independent',
      severity: 'error',
      comment: 'core, tunnel-server and agent are peers standing on tunnel-protocol; none imports another.',
      from: { path: '^packages/(core|tunnel-server|agent)/' },
      to: { path: '^packages/(core|tunnel-server|agent)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'tunnel-protocol-is-pure',
      severity: 'error',
      comment: 'tunnel-protocol is the one source of truth for the wire format: Node built-ins only (tests may use their runner).',
      from: { path: pkg('tunnel-protocol'), pathNot: '\\.test\\.ts$' },
      to: { pathNot: pkg('tunnel-protocol'), dependencyTypesNot: ['core', 'type-only'] },
    },
    {
      name: 'no-deep-imports',
      severity: 'error',
      comment: 'Use a package\'s exports map (its index, or a light entry it exports), never its internals.',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/[^/]+/', pathNot: ['^packages/$1/', '^packages/[^/]+/src/index\\.ts$', '^packages/tunnel-server/src/config\\.ts$', '^packages/agent/src/image-context\\.ts$', '^packages/driver-kube-pod/src/options\\.ts$', '^packages/driver-vm/src/options\\.ts$', '^packages/driver-vm/src/ec2/index\\.ts$'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-undeclared-dependency',
      severity: 'error',
      comment: 'Every package an import names must be in that package\'s package.json.',
      from: { path: '^packages/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      // Resolve workspace packages to their src/ (see the `@preevy/source` export condition).
      conditionNames: ['@preevy/source', 'import', 'types', 'default'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
