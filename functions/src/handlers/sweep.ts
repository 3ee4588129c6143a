/**
 * Lambda entry point for the reconciling sweep, run by an EventBridge
 * schedule: the composition root for AWS. One run at a time (the function's
 * reserved concurrency is 1); each run is bounded and leaves the rest for the
 * next.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import {
  createLogger,
  createMetrics,
  emfMetrics,
  powertoolsLog,
} from '../adapters/powertools-observability.js';
import { parseSettings, sweepSettingsSchema } from '../config/settings.js';
import { referenceForSettings } from '../reference/runtime-reference-data.js';
import { reconcile } from '../submissions/reconcile.js';
import { awsReceiveUploadDeps } from './aws-pipeline.js';

const settings = parseSettings(sweepSettingsSchema, process.env);
const logger = createLogger();
const metrics = createMetrics();
const deps = {
  ...awsReceiveUploadDeps(
    settings,
    referenceForSettings(settings),
    powertoolsLog(logger),
    emfMetrics(metrics),
  ),
  sweep: {
    bucket: settings.BUCKET_NAME,
    graceSeconds: settings.SWEEP_GRACE_SECONDS,
    escalateAfterSeconds: settings.ESCALATE_AFTER_HOURS * 3600,
    operationsEmail: [settings.OPERATIONS_EMAIL],
    // Within a 5-minute timeout: 5 pages of 1,000 keys, 50 uploads, 100 emails.
    maxPagesPerRun: 5,
    maxUploadsPerRun: 50,
    maxEmailsPerRun: 100,
  },
};

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async () => reconcile(deps));
