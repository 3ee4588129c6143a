#!/usr/bin/env node
// The `returns` command. Runs the TypeScript sources directly through tsx, so a
// checkout needs no build step; the Lambda bundles are built separately by esbuild.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../functions/src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
