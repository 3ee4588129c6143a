#!/usr/bin/env node
// The `returns` command. A checkout needs no build step: the first run after a
// source changes bundles functions/src/cli with esbuild (well under a second)
// into node_modules/.cache/returns-cli/, one chunk per command, npm packages left
// as they are installed; every run after that starts from plain JavaScript, so a
// fresh `returns validate` costs little more than Node itself. If the bundle
// cannot be built, tsx runs the TypeScript sources directly, as before.
//
// The cache sits three folders below the checkout, as functions/src/reference/
// does, so paths the code takes from import.meta.url (templates/) stay right.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The AWS SDK warns on every start that releases after January 2027 need Node 22; the lockfile pins ones that run on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = join(root, 'functions', 'src');
const cache = join(root, 'node_modules', '.cache', 'returns-cli');

/** What the bundle was built from: the newest source (this folder's included) and the installed packages. */
function fingerprint() {
  let newest = Math.max(
    ...['returns.js', 'yaml-on-demand.js'].map(
      (name) => statSync(fileURLToPath(new URL(name, import.meta.url))).mtimeMs,
    ),
  );
  for (const entry of readdirSync(sources, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  let installed = 0;
  try {
    installed = statSync(join(root, 'node_modules', '.package-lock.json')).mtimeMs;
  } catch {}
  return `${newest} ${installed}`;
}

function upToDate(stamp) {
  try {
    return readFileSync(join(cache, 'stamp'), 'utf8') === stamp;
  } catch {
    return false;
  }
}

async function bundle(stamp) {
  const { build } = await import('esbuild');
  // Built aside and moved into place, so a run beside this one never sees half a bundle.
  const building = `${cache}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  await build({
    entryPoints: { main: join(sources, 'cli', 'main.ts') },
    outdir: building,
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    alias: { yaml: fileURLToPath(new URL('./yaml-on-demand.js', import.meta.url)) },
    // The emulators read their own files beside them (__dirname), and highs its WebAssembly beside its
    // module: they load from node_modules, as installed. So does oidc-provider (the local sign-in):
    // minified, its code exchange fails with invalid_grant, so `npm start` could not sign anyone in.
    external: ['s3rver', 'dynalite', 'aws-ses-v2-local', 'highs', 'oidc-provider'],
    // npm packages bundled too: tree-shaken (zod without its translations), and one file to read, not hundreds.
    banner: {
      js: "import { createRequire as __returnsCreateRequire } from 'node:module'; const require = __returnsCreateRequire(import.meta.url);",
    },
    // Beside the chunks, not inline: read only under NODE_OPTIONS=--enable-source-maps.
    sourcemap: true,
    logLevel: 'error',
  });
  writeFileSync(join(building, 'stamp'), stamp);
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  rmSync(cache, { recursive: true, force: true });
  try {
    renameSync(building, cache);
  } catch {
    // Another run moved its bundle in first: the same sources, so use that one.
    rmSync(building, { recursive: true, force: true });
  }
}

async function loadMain() {
  if (process.env.RETURNS_FROM_SOURCES !== '1') {
    try {
      const stamp = fingerprint();
      if (!upToDate(stamp)) await bundle(stamp);
      // Reference files already checked, kept with the bundle that checked them (emptied with it).
      process.env.RETURNS_REFERENCE_CACHE ??= join(cache, 'reference');
      return (await import(pathToFileURL(join(cache, 'main.js')).href)).main;
    } catch (error) {
      if (process.env.RETURNS_DEBUG) process.stderr.write(`returns: running from the sources (${error})\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../functions/src/cli/main.ts')).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
