/**
 * The whole deployment as one CDK app: context read and checked, the two
 * stacks, tags, and cdk-nag's AwsSolutions rules as a validation plugin, so a
 * finding that is not acknowledged (with its reason, beside the construct it
 * concerns) fails `cdk synth` and the infra tests alike.
 */
import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeploymentConfig } from './deployment-config.js';
import { PortalStack } from './stacks/portal-stack.js';
import { ProcessingStack } from './stacks/processing-stack.js';
import { StorageStack } from './stacks/storage-stack.js';

export interface ReturnsApp {
  readonly storage: StorageStack;
  readonly processing: ProcessingStack;
  readonly portal: PortalStack;
}

export function defineReturnsApp(app: App): ReturnsApp {
  const config = readDeploymentConfig(app.node);
  // Account and region come from the credentials at deploy time; synth needs neither.
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const prefix = `Returns-${config.envName}`;

  const storage = new StorageStack(app, `${prefix}-Storage`, {
    env,
    config,
    description: 'Monitoring returns: bucket, table, queues, operations topic and SES identity (retained).',
  });
  const portal = new PortalStack(app, `${prefix}-Portal`, {
    env,
    config,
    storage,
    description: 'Monitoring returns: the portal (HTTP API, function, Cognito user pool and groups).',
  });

  const processing = new ProcessingStack(app, `${prefix}-Processing`, {
    env,
    config,
    storage,
    // Emails link to each return's page on the portal.
    portalUrl: portal.api.apiEndpoint,
    description: 'Monitoring returns: the validate-return and aggregate-period functions and their wiring.',
  });

  Tags.of(app).add('project', 'monitoring-returns');
  Tags.of(app).add('environment', config.envName);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { storage, processing, portal };
}
