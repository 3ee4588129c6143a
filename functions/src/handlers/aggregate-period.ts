/**
 * Lambda entry point for aggregate-period: the composition root for AWS.
 * Configuration is parsed and clients are built once, at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { submissionStoreOn } from '../adapters/dynamodb-submission-store.js';
import { createLogger, createMetrics, powertoolsLog } from '../adapters/powertools-observability.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { aggregatorSettingsSchema, parseSettings } from '../config/settings.js';
import { referenceForSettings } from '../reference/runtime-reference-data.js';
import { createAggregatePeriodHandler } from './aggregate-period-handler.js';

const settings = parseSettings(aggregatorSettingsSchema, process.env);
const s3 = new S3Client({
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const logger = createLogger();

export const handler = createAggregatePeriodHandler(
  {
    files: new S3ReturnFiles(s3, settings.BUCKET_NAME),
    store: submissionStoreOn(new DynamoDBClient({}), settings.TABLE_NAME),
    log: powertoolsLog(logger),
    reference: referenceForSettings(settings),
    clock: () => new Date(),
  },
  { logger, metrics: createMetrics() },
);
