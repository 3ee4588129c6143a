/**
 * Cold-start figures for `npm run bench`, each beside a floor measured in the
 * same run: a fresh `returns validate FILE` against a bare `node -e ''` (CPU,
 * user + system, of the whole process), and the real Lambda bundles, as the CDK
 * app builds them (synthesized here, like `cdk synth`), against importing an
 * empty module. Figures, never assertions.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPOSITORY_ROOT } from '../../infra/constructs/returns-function.js';
import { removeAssemblies, synthesize } from '../infra/synth.js';

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * CPU seconds (user + system) of `runs` fresh processes of a command, per run, from bash's
 * `times` (children's totals, to the millisecond): a process's whole life, Node's start included.
 */
function cpuPerRun(command: string, runs: number, env: NodeJS.ProcessEnv = process.env): number {
  const script = `for i in $(seq ${runs}); do ${command} >/dev/null 2>&1; done; times`;
  const output = execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd: REPOSITORY_ROOT, env });
  const children = output.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, [, minutes, secs]) => sum + Number(minutes) * 60 + Number(secs),
    0,
  );
  return seconds / runs;
}

export function measureCliColdStart(returnFile: string, runs = 10): void {
  const node = JSON.stringify(process.execPath);
  const env = { ...process.env, NODE_OPTIONS: '' };
  const validate = `${node} bin/returns.js validate ${JSON.stringify(returnFile)}`;
  // The first run after a source change builds the CLI bundle and checks the reference files: not what is measured.
  execFileSync('bash', ['-c', `${validate} >/dev/null 2>&1 || true`], { cwd: REPOSITORY_ROOT, env });
  const floor = cpuPerRun(`${node} -e ''`, runs, env);
  const bundled = cpuPerRun(validate, runs, env);
  const sources = cpuPerRun(validate, Math.max(2, Math.floor(runs / 4)), {
    ...env,
    RETURNS_FROM_SOURCES: '1',
  });
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;
  console.log(`\nFresh process: returns validate FILE (CPU per process, user + system, ${runs} runs)`);
  console.log(`  node -e ''                          ${ms(floor).padStart(8)}   1.0×`);
  console.log(
    `  returns validate (bundled CLI)      ${ms(bundled).padStart(8)}   ${(bundled / floor).toFixed(1)}×   target ≤ 3×`,
  );
  console.log(
    `  the same from the sources (tsx)     ${ms(sources).padStart(8)}   ${(sources / floor).toFixed(1)}×   (RETURNS_FROM_SOURCES=1: how it ran before)`,
  );
}

interface Import {
  wall: number;
  cpu: number;
}

/** Imports a module in a fresh process and reports how long the import itself took. */
function importOnce(file: string, env: Record<string, string>): Import {
  const script = `const c0 = process.cpuUsage(); const t0 = performance.now();
await import(${JSON.stringify(pathToFileURL(file).href)});
const t1 = performance.now(); const c = process.cpuUsage(c0);
console.log(JSON.stringify({ wall: t1 - t0, cpu: (c.user + c.system) / 1000 }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(output.trim().split('\n').at(-1) as string) as Import;
}

const TARGETS = {
  validator: { kb: 700, ms: 100 },
  aggregator: { kb: 1200, ms: 150 },
} as const;

export function measureBundles(folder: string, runs = 7): void {
  const started = performance.now();
  const app = synthesize();
  const synthSeconds = (performance.now() - started) / 1000;
  try {
    const empty = join(folder, 'empty.mjs');
    writeFileSync(empty, '');
    const base: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-2',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      BUCKET_NAME: 'returns-bucket',
      TABLE_NAME: 'returns-table',
      TEMPLATES_DIR: '/var/task/templates',
      SENDER_EMAIL: 'returns@example.org',
      RETURN_ACCEPTED_QUEUE_URL: 'https://sqs.eu-west-2.amazonaws.com/123456789012/accepted.fifo',
    };
    const floor = Array.from({ length: runs }, () => importOnce(empty, base));
    const floorWall = median(floor.map((run) => run.wall));
    console.log(
      `\nLambda bundles as the CDK app builds them (synthesized in ${synthSeconds.toFixed(0)} s); cold import = median of ${runs} fresh processes, beside importing an empty module (${floorWall.toFixed(1)} ms)`,
    );
    console.log(
      ['function', 'index.mjs', 'target', 'map', 'data', 'import ms', 'CPU ms', 'target', 'x empty']
        .map((h, i) => (i === 0 ? h.padEnd(12) : h.padStart(11)))
        .join(''),
    );
    for (const name of ['validator', 'aggregator'] as const) {
      const fn = app.processing[name];
      const dir = app.assetDir(fn.function);
      const size = (file: string) => {
        try {
          return statSync(join(dir, file)).size;
        } catch {
          return 0;
        }
      };
      const data = readdirSync(dir)
        .filter((file) => file.endsWith('.json'))
        .reduce((sum, file) => sum + size(file), 0);
      const imports = Array.from({ length: runs }, () => importOnce(join(dir, 'index.mjs'), base));
      const wall = median(imports.map((run) => run.wall));
      const cpu = median(imports.map((run) => run.cpu));
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
      console.log(
        [
          name.padEnd(12),
          kb(size('index.mjs')).padStart(11),
          `≤ ${TARGETS[name].kb} KB`.padStart(11),
          kb(size('index.mjs.map')).padStart(11),
          kb(data).padStart(11),
          wall.toFixed(0).padStart(11),
          cpu.toFixed(0).padStart(11),
          `≤ ${TARGETS[name].ms} ms`.padStart(11),
          `${(wall / floorWall).toFixed(0)}×`.padStart(11),
        ].join(''),
      );
    }
    console.log(
      '  index.mjs is what Lambda loads; the map is read only when an error stack is formatted; data is the compiled reference data.',
    );
  } finally {
    removeAssemblies();
  }
}
