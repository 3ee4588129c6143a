/**
 * The SES side of feedback emails: the identity they are sent from, and a
 * configuration set that suppresses addresses that bounced or complained
 * (so a wrong contact address is not mailed every quarter, hurting the
 * account's reputation) and tells the operations topic about each bounce,
 * complaint and rejection, since each means a partnership did not get its
 * feedback.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type DeploymentConfig, senderIdentityName } from '../deployment-config.js';

export interface FeedbackSenderProps {
  readonly config: DeploymentConfig;
  readonly operationsTopic: ITopic;
}

export class FeedbackSender extends Construct {
  readonly senderEmail: string;
  readonly identityName: string;
  readonly configurationSet: ConfigurationSet;
  readonly identity: EmailIdentity;

  constructor(scope: Construct, id: string, props: FeedbackSenderProps) {
    super(scope, id);
    const { config } = props;
    this.senderEmail = config.senderEmail;
    this.identityName = senderIdentityName(config);

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      // Feedback carries links to a partnership's data: never hand it to a server without TLS.
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
    });
    this.configurationSet.addEventDestination('ToOperations', {
      destination: EventDestination.snsTopic(props.operationsTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.REJECT],
    });

    this.identity = new EmailIdentity(this, 'Identity', {
      identity:
        config.senderIdentity === 'domain'
          ? Identity.domain(this.identityName)
          : Identity.email(this.identityName),
      // The default for every message from this identity, even one sent without naming a set.
      configurationSet: this.configurationSet,
    });
  }

  /** ARN of the configuration set, which ses:SendEmail is also authorised against. */
  get configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
  }

  /** Sending as this identity only: SendEmail on it and its configuration set, from its one address. */
  sendOnly(sid: string): PolicyStatement {
    return new PolicyStatement({
      sid,
      actions: ['ses:SendEmail'],
      resources: [this.identity.emailIdentityArn, this.configurationSetArn],
      conditions: { StringEquals: { 'ses:FromAddress': this.senderEmail } },
    });
  }
}
