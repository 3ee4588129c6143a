/**
 * The AWS composition shared by the validate-return and sweep entry points:
 * SDK clients and adapters built once per cold start from parsed settings.
 * Only the Lambda entry points import it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { submissionStoreOn } from '../adapters/dynamodb-submission-store.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { SqsEvents } from '../adapters/sqs-events.js';
import type { ValidatorSettings } from '../config/settings.js';
import { annotateWorkbook } from '../feedback/annotate-workbook.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { Log, Metrics } from '../submissions/ports.js';
import type { ReceiveUploadDeps } from '../submissions/receive-upload.js';

/** How long a claimed, unfinished email is left to its worker: above the function's timeout. */
const EMAIL_CLAIM_SECONDS = 180;

export function awsReceiveUploadDeps(
  settings: ValidatorSettings,
  reference: ReferenceData,
  log: Log,
  metrics: Metrics,
): ReceiveUploadDeps {
  const s3 = new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    files: new S3ReturnFiles(s3, settings.BUCKET_NAME),
    store: submissionStoreOn(new DynamoDBClient({}), settings.TABLE_NAME),
    mailer: new SesMailer(new SESv2Client({}), settings.SENDER_EMAIL, settings.SES_CONFIGURATION_SET),
    events: new SqsEvents(new SQSClient({}), settings.RETURN_ACCEPTED_QUEUE_URL),
    log,
    metrics,
    reference,
    clock: () => new Date(),
    annotate: annotateWorkbook,
    settings: {
      maxUploadBytes: settings.MAX_UPLOAD_MB * 1024 * 1024,
      feedbackLinkDays: settings.FEEDBACK_LINK_DAYS,
      emailClaimSeconds: EMAIL_CLAIM_SECONDS,
      emailRetrySeconds: settings.EMAIL_RETRY_SECONDS,
    },
  };
}
