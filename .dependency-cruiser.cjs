/**
 * The direction of dependencies under functions/src, checked by
 * dependency-cruiser in `npm test` (`npm run depcruise`).
 *
 * The domain core sits in the middle and knows nothing of AWS, HTTP or middy;
 * use cases (submissions/), adapters, handlers, the local stack, the CLI and the
 * portal are around it. Inside the core each folder may import only the folders
 * below it in the flow (ALLOWED, below), so a new import that points the wrong
 * way fails CI with the rule's name and the offending edge. Type-only imports
 * count too: a type is as much a dependency as a value.
 *
 * tests/unit/dependency-rules.test.ts runs this rule set on a small tree with a
 * violation (it must fail) and on the real tree (it must pass).
 */

/** Core folder → the core folders it may import (besides itself, errors.ts and npm packages). */
const ALLOWED = {
  programme: [],
  xlsx: [],
  // xlsx/cell-references: an item ID must not read as a cell reference.
  dictionary: ['programme', 'xlsx'],
  reference: ['dictionary', 'programme'],
  returns: ['dictionary', 'programme'],
  reading: ['xlsx'],
  template: ['dictionary', 'programme', 'returns', 'xlsx'],
  validation: ['reading', 'template', 'dictionary', 'programme', 'returns', 'xlsx'],
  // aggregation/completeness: a reminder says where each site stands.
  feedback: [
    'validation',
    'reading',
    'template',
    'aggregation',
    'dictionary',
    'programme',
    'returns',
    'xlsx',
  ],
  aggregation: ['dictionary', 'programme', 'returns'],
  publication: ['aggregation', 'dictionary', 'programme', 'returns'],
  // reading/zip-container: the summary writer re-packs exceljs's output with the reader's zip walker.
  summaries: ['publication', 'aggregation', 'reading', 'xlsx', 'dictionary', 'programme', 'returns'],
  demo: ['dictionary', 'programme', 'returns'],
};
const CORE = Object.keys(ALLOWED);
const OUTER = ['submissions', 'adapters', 'handlers', 'local', 'cli', 'portal'];
const SRC = '^functions/src/';

/**
 * The files that may construct AWS SDK clients: the Lambda entry points
 * (handlers/ files other than the *-handler.ts middy chains), the local stack's
 * composition root and the CLI's one, cli/stack-connection.ts. Adapters take a
 * client; they never build one. depcruise sees imports, not `new S3Client()`, so
 * the rule below keeps the SDK's client packages out of everything else, and
 * tests/unit/dependency-rules.test.ts checks the constructor calls themselves.
 */
const COMPOSITION_ROOTS = [
  `${SRC}handlers/(?!.*-handler\\.ts$)[^/]+\\.ts$`,
  `${SRC}local/`,
  `${SRC}cli/stack-connection\\.ts$`,
];

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment:
        'Folders under functions/src import each other in one direction only: a cycle between folders means two steps of the flow cannot be read, tested or moved apart.',
      severity: 'error',
      scope: 'folder',
      from: { path: `${SRC}[^/]+$` },
      to: { circular: true, path: `${SRC}[^/]+$` },
    },
    {
      name: 'no-module-cycles',
      comment: 'Nor between modules: a module cycle makes load order matter and bundles hard to split.',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true, path: SRC },
    },
    {
      name: 'core-stays-pure',
      comment:
        'The domain core knows nothing of use cases, adapters, handlers, the local stack, the CLI or the portal: they depend on it, never the other way.',
      severity: 'error',
      from: { path: `${SRC}(${CORE.join('|')})/` },
      to: { path: `${SRC}(${OUTER.join('|')})/` },
    },
    {
      name: 'core-knows-no-aws-or-middy',
      comment:
        'The core runs in a unit test, the CLI and the browser-free local stack: no AWS SDK and no middy in it.',
      severity: 'error',
      from: { path: `${SRC}(${CORE.join('|')})/` },
      to: { path: '(^|/)node_modules/(@aws-sdk|@smithy|@middy)/' },
    },
    ...CORE.map((folder) => ({
      name: `core-direction-${folder}`,
      comment: `${folder}/ may import only ${ALLOWED[folder].length ? `${ALLOWED[folder].join(', ')}` : 'no other folder'} of the core (and config/, errors.ts, npm packages, Node).`,
      severity: 'error',
      from: { path: `${SRC}${folder}/` },
      to: {
        path: SRC,
        // config/ is a leaf (key names, settings, links) every layer may read.
        pathNot: [
          `${SRC}(${[folder, ...ALLOWED[folder]].join('|')})/`,
          `${SRC}config/`,
          `${SRC}errors\\.ts$`,
        ],
      },
    })),
    {
      name: 'config-is-a-leaf',
      comment: 'config/ holds key names and schemas the CDK app reads too: it imports nothing but errors.ts.',
      severity: 'error',
      from: { path: `${SRC}config/` },
      to: { path: SRC, pathNot: [`${SRC}config/`, `${SRC}errors\\.ts$`] },
    },
    {
      name: 'sdk-clients-only-in-adapters-and-composition-roots',
      comment:
        'Only adapters talk to AWS, and only the composition roots build clients: a use case, a middy chain or a CLI command that imports the SDK has skipped a port.',
      severity: 'error',
      from: { path: SRC, pathNot: [`${SRC}adapters/`, ...COMPOSITION_ROOTS] },
      to: { path: '(^|/)node_modules/@aws-sdk/' },
    },
    {
      name: 'use-cases-take-ports',
      comment:
        'A use case takes its dependencies as ports; it never imports an adapter, a handler or a runtime root.',
      severity: 'error',
      from: { path: `${SRC}submissions/` },
      to: { path: `${SRC}(adapters|handlers|local|cli|portal)/` },
    },
    {
      name: 'adapters-serve-the-core',
      comment:
        "Adapters implement ports (the use cases' and the portal's own ports.ts); they never call handlers or a runtime root.",
      severity: 'error',
      from: { path: `${SRC}adapters/` },
      to: { path: `${SRC}(handlers|local|cli|portal)/`, pathNot: `${SRC}portal/ports\\.ts$` },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'An import that resolves to nothing is a typo or a missing dependency (aws-lambda is types only, from @types/aws-lambda).',
      severity: 'error',
      from: { path: SRC },
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Node resolves package "exports" with these conditions; the bundles use the same.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
