/** The Mailer port on SES v2 (and on aws-ses-v2-local locally). */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { FeedbackEmail } from '../feedback/feedback-email.js';
import type { Mailer } from '../submissions/ports.js';

export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESv2Client,
    private readonly from: string,
    private readonly configurationSet?: string,
  ) {}

  async send(email: FeedbackEmail): Promise<void> {
    const attachments = (email.attachments ?? []).map((attachment) => ({
      FileName: attachment.fileName,
      ContentType: attachment.contentType,
      ContentDisposition: 'ATTACHMENT' as const,
      RawContent: attachment.content,
    }));
    await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [...email.to] },
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: email.text, Charset: 'UTF-8' },
              Html: { Data: email.html, Charset: 'UTF-8' },
            },
            ...(attachments.length > 0 ? { Attachments: attachments } : {}),
          },
        },
      }),
    );
  }
}
