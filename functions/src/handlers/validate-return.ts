/**
 * Lambda entry point for validate-return: the composition root for AWS.
 * Configuration is parsed and clients are built once, at cold start; the
 * handler itself is the same middy chain the local stack runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSubmissionStore } from '../adapters/dynamodb-submission-store.js';
import { jsonLog } from '../adapters/json-log.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { SqsEvents } from '../adapters/sqs-events.js';
import { parseSettings, validatorSettingsSchema } from '../config/settings.js';
import { loadRuntimeReferenceData } from '../reference/runtime-reference-data.js';
import { createValidateReturnHandler } from './validate-return-handler.js';

const settings = parseSettings(validatorSettingsSchema, process.env);
const s3 = new S3Client({
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const log = jsonLog();

export const handler = createValidateReturnHandler({
  files: new S3ReturnFiles(s3, settings.BUCKET_NAME),
  store: new DynamoSubmissionStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    settings.TABLE_NAME,
  ),
  mailer: new SesMailer(new SESv2Client({}), settings.SENDER_EMAIL, settings.SES_CONFIGURATION_SET),
  events: new SqsEvents(new SQSClient({}), settings.RETURN_ACCEPTED_QUEUE_URL),
  log,
  reference: loadRuntimeReferenceData(settings.TEMPLATES_DIR ? { templatesDir: settings.TEMPLATES_DIR } : {}),
  clock: () => new Date(),
  settings: {
    maxUploadBytes: settings.MAX_UPLOAD_MB * 1024 * 1024,
    feedbackLinkDays: settings.FEEDBACK_LINK_DAYS,
    emailClaimSeconds: 120,
  },
});
