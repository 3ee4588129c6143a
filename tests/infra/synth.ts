/**
 * Synthesizes the CDK app as `npx cdk synth` would: the
 * context from cdk.json, the functions bundled by the local esbuild, and
 * cdk-nag registered by the app itself (so a finding nobody acknowledged makes
 * synth throw here too). Offline: no credentials, no lookups.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { REPOSITORY_ROOT } from '../../infra/constructs/returns-function.js';
import { defineReturnsApp, type ReturnsApp } from '../../infra/returns-app.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are untyped JSON, read field by field by the assertions
export type CfnProperties = Record<string, any>;

export type CfnTemplate = {
  Resources: Record<string, { Type: string; Properties?: CfnProperties; DeletionPolicy?: string }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
};

export interface Synthesized extends ReturnsApp {
  readonly app: App;
  readonly outdir: string;
  readonly assembly: CloudAssembly;
  readonly context: Record<string, unknown>;
  template(stack: Stack): Template;
  json(stack: Stack): CfnTemplate;
  logicalId(element: IConstruct): string;
  /** The staged bundle folder of a function's code asset. */
  assetDir(fn: IConstruct): string;
}

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface SynthesizeOptions {
  readonly context?: Record<string, unknown>;
  /** Changes the app before synthesis, as a test of the checks themselves. */
  readonly arrange?: (stacks: ReturnsApp) => void;
}

export function synthesize(options: SynthesizeOptions = {}): Synthesized {
  const context = { ...cdkJsonContext(), ...options.context };
  const outdir = mkdtempSync(join(tmpdir(), 'returns-cdk-'));
  outdirs.push(outdir);
  const app = new App({ context, outdir });
  const stacks = defineReturnsApp(app);
  options.arrange?.(stacks);
  const assembly = app.synth();
  const json = (stack: Stack) => assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;
  return {
    ...stacks,
    app,
    outdir,
    assembly,
    context,
    json,
    template: (stack) => Template.fromJSON(json(stack)),
    logicalId: (element) => {
      const cfn = (element.node.defaultChild ?? element) as CfnElement;
      return cfn.stack.getLogicalId(cfn);
    },
    assetDir: (fn) => join(outdir, (fn.node.findChild('Code') as Asset).assetPath),
  };
}

const outdirs: string[] = [];
let shared: Synthesized | undefined;

/** The app as `cdk synth` makes it, synthesized once per test file and shared by its tests. */
export function synthesized(): Synthesized {
  shared ??= synthesize();
  return shared;
}

/** Removes every cloud assembly this module wrote (bundles included). */
export function removeAssemblies(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
  shared = undefined;
}
