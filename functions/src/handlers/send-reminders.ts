/**
 * Lambda entry point for send-reminders: the composition root for AWS.
 * Configuration is parsed and clients are built once, at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSubmissionStore } from '../adapters/dynamodb-submission-store.js';
import { createLogger, powertoolsLog } from '../adapters/powertools-observability.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { parseSettings, reminderSettingsSchema } from '../config/settings.js';
import { referenceForSettings } from '../reference/runtime-reference-data.js';
import { createSendRemindersHandler } from './send-reminders-handler.js';

const settings = parseSettings(reminderSettingsSchema, process.env);

export const handler = createSendRemindersHandler({
  store: new DynamoSubmissionStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    settings.TABLE_NAME,
  ),
  mailer: new SesMailer(new SESv2Client({}), settings.SENDER_EMAIL, settings.SES_CONFIGURATION_SET),
  reference: referenceForSettings(settings),
  log: powertoolsLog(createLogger()),
  clock: () => new Date(),
});
