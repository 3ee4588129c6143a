/**
 * cdk-nag's AwsSolutions rules run as a validation plugin of the app itself,
 * so `cdk synth` fails on a finding nobody acknowledged; these tests make the
 * same check part of `npm test`, show that the check is live, and keep every
 * acknowledgement attached to the construct it concerns, with its reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { type Synthesized, synthesize, synthesized } from './synth.js';

/** Skips esbuild where the bundles do not matter: NodejsFunction then stages a stand-in. */
const WITHOUT_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

interface ValidationReport {
  pluginReports: Array<{ summary?: { pluginName?: string }; violations?: unknown[] }>;
}

function acknowledgements(
  app: Synthesized,
): Array<{ path: string; id: string; reason: string; scope: unknown }> {
  return app.app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^Annotation::/, ''),
          reason,
          scope: construct,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('the app synthesizes with no unacknowledged finding, error or warning', () => {
    // synthesized() throws the whole validation report if any finding is unacknowledged.
    const app = synthesized();
    const report = JSON.parse(
      readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    for (const stack of [app.storage, app.processing]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });

  it('is live: a bucket added without logging, TLS or an acknowledgement fails synthesis', () => {
    expect(() =>
      synthesize({
        context: WITHOUT_BUNDLING,
        arrange: ({ storage }) => {
          new Bucket(storage, 'Careless');
        },
      }),
    ).toThrow(/AwsSolutions-S1[\s\S]*Careless|Careless[\s\S]*AwsSolutions-S1/);
  });

  it('acknowledges only these findings, each on the construct it concerns and with its reason', () => {
    const app = synthesized();
    // The portal stack's acknowledgements are listed, and checked, in portal.checks.ts.
    const found = acknowledgements(app).filter(({ path }) => !path.startsWith(`${app.portal.node.path}/`));
    for (const { scope, reason, path } of found) {
      expect(Stack.isStack(scope), `${path} acknowledges for a whole stack`).toBe(false);
      expect(scope, `${path} acknowledges for the whole app`).not.toBe(app.app);
      expect(reason.length, `${path}: say why`).toBeGreaterThan(60);
    }
    const bucketArn = app.storage.bucketArnExportName;
    expect(found.map(({ path, id }) => `${path.replace(/^Returns-dev-/, '')} ${id}`).sort()).toEqual(
      [
        'Processing/AggregatePeriod/Function AwsSolutions-L1',
        'Processing/AggregatePeriod/Role AwsSolutions-IAM5[Resource::*]',
        `Processing/AggregatePeriod/Role AwsSolutions-IAM5[Resource::${bucketArn}/summaries/*]`,
        'Processing/Reminders/SendReminders/Function AwsSolutions-L1',
        'Processing/Reminders/SendReminders/Role AwsSolutions-IAM5[Resource::*]',
        'Processing/ValidateReturn/Function AwsSolutions-L1',
        'Processing/ValidateReturn/Role AwsSolutions-IAM5[Resource::*]',
        `Processing/ValidateReturn/Role AwsSolutions-IAM5[Resource::${bucketArn}/archive/*]`,
        `Processing/ValidateReturn/Role AwsSolutions-IAM5[Resource::${bucketArn}/feedback/*]`,
        `Processing/ValidateReturn/Role AwsSolutions-IAM5[Resource::${bucketArn}/incoming/*]`,
        'Processing/Sweep/Function AwsSolutions-L1',
        'Processing/Sweep/Role AwsSolutions-IAM5[Resource::*]',
        `Processing/Sweep/Role AwsSolutions-IAM5[Resource::${bucketArn}/archive/*]`,
        `Processing/Sweep/Role AwsSolutions-IAM5[Resource::${bucketArn}/feedback/*]`,
        `Processing/Sweep/Role AwsSolutions-IAM5[Resource::${bucketArn}/incoming/*]`,
        'Storage/Bucket/AccessLogs AwsSolutions-S1',
        'Storage/BucketNotificationsHandler050a0587b7544547bf325f094a3db834 AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      ].sort(),
    );
  });
});
