#!/usr/bin/env node
// The `returns` command. Runs the TypeScript sources directly through tsx, so a
// checkout needs no build step; the Lambda bundles are built separately by esbuild.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that releases after January 2027 need Node 22; the lockfile pins ones that run on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../functions/src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
