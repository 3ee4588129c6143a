/**
 * What differs between deployments, read from CDK context: cdk.json holds the
 * defaults, `-c key=value` overrides them. Checked whole at synth, so a typo in
 * an address fails `cdk synth` with every problem listed, not a deploy later.
 */
import type { Node } from 'constructs';
import { z } from 'zod';

const email = z.email();

export const deploymentConfigSchema = z.object({
  /** Names the stacks (`Returns-{envName}-Storage`) and tags every resource. */
  envName: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and hyphens, up to 20'),
  /** The From address of feedback emails (SENDER_EMAIL). */
  senderEmail: email,
  /**
   * What SES verifies: the address itself (one click in an email, enough to
   * start) or its whole domain (DNS records for DKIM, what production wants).
   */
  senderIdentity: z.enum(['address', 'domain']),
  /** Where alarms and SES bounces and complaints are sent. */
  opsEmail: email,
  /**
   * Reserved concurrency of the validator, and the most its queue poller may
   * use. It bounds the SES sending rate and keeps one burst of uploads from
   * starving other functions in the account. At least 2 (the SQS poller's floor).
   */
  validatorConcurrency: z.coerce.number().int().min(2).max(100),
  /** Days before feedback/ objects (report, annotated copy) expire. */
  feedbackRetentionDays: z.coerce.number().int().min(30),
});

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

export function readDeploymentConfig(node: Node): DeploymentConfig {
  const keys = Object.keys(deploymentConfigSchema.shape) as Array<keyof DeploymentConfig>;
  const raw = Object.fromEntries(keys.map((key) => [key, node.tryGetContext(key)]));
  const result = deploymentConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) =>
      `${issue.path.join('.')}: ${issue.input === undefined ? 'is not set (cdk.json or -c)' : issue.message}`,
  );
  throw new Error(`The CDK context is incomplete: ${problems.join('; ')}`);
}

/** The SES identity to verify for the sender: the address, or the part after the @. */
export function senderIdentityName(config: DeploymentConfig): string {
  return config.senderIdentity === 'domain'
    ? (config.senderEmail.split('@')[1] as string)
    : config.senderEmail;
}
