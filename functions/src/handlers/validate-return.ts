/**
 * Lambda entry point for validate-return: the composition root for AWS.
 * Configuration is parsed and clients are built once, at cold start; the
 * handler itself is the same middy chain the local stack runs.
 */
import {
  createLogger,
  createMetrics,
  emfMetrics,
  powertoolsLog,
} from '../adapters/powertools-observability.js';
import { parseSettings, validatorSettingsSchema } from '../config/settings.js';
import { referenceForSettings } from '../reference/runtime-reference-data.js';
import { awsReceiveUploadDeps } from './aws-pipeline.js';
import { createValidateReturnHandler } from './validate-return-handler.js';

const settings = parseSettings(validatorSettingsSchema, process.env);
const logger = createLogger();
const metrics = createMetrics();

export const handler = createValidateReturnHandler(
  awsReceiveUploadDeps(settings, referenceForSettings(settings), powertoolsLog(logger), emfMetrics(metrics)),
  { logger, metrics },
);
