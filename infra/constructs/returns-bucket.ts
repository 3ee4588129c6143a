/**
 * The returns bucket, where every upload, archived return, feedback file and
 * summary lives, and the bucket its access logs go to.
 *
 * Nothing lost: versioning keeps every overwritten or deleted object as a
 * noncurrent version, and no lifecycle rule ever removes one under incoming/,
 * archive/ or summaries/. Only feedback/ (regenerable, and shared by expiring
 * links) expires.
 *
 * The archive guard is a bucket policy rather than Object Lock:
 * - it denies s3:DeleteObject and s3:DeleteObjectVersion on archive/* to every
 *   principal, administrators included, so neither a mistaken
 *   `aws s3 rm --recursive` nor a bug can remove an archived return or any of
 *   its versions;
 * - it denies the calls that could undo that guard or versioning
 *   (PutBucketPolicy, DeleteBucketPolicy, PutLifecycleConfiguration,
 *   PutBucketVersioning) to everyone but the CDK bootstrap's CloudFormation
 *   execution role, so the guard changes only through a reviewed deployment.
 *   (The account root user can always replace a bucket policy: that is AWS's
 *   lock-out recovery, and a deliberate, logged act.)
 * Object Lock was weighed and not chosen: its default retention covers the
 * whole bucket, not one prefix, so feedback/ could not expire; and with a
 * default retention every PutObject must carry a Content-MD5 or checksum
 * header, which the functions' S3 client (checksums only when required) and
 * some upload tools do not send.
 */
import { DefaultStackSynthesizer, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PREFIXES } from '../layout.js';

export interface ReturnsBucketProps {
  /** Days before feedback/ objects expire; their noncurrent versions go 30 days later. */
  readonly feedbackRetentionDays: number;
}

/** What every bucket here shares: private, encrypted, TLS 1.2 or later only, ACLs off. */
const PRIVATE_BUCKET = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  // SSE-S3: no key to pay for or to grant; server access log delivery accepts only SSE-S3.
  encryption: BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
} as const;

export class ReturnsBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: ReturnsBucketProps) {
    super(scope, id);

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...PRIVATE_BUCKET,
      lifecycleRules: [
        // Thirteen months: a year of who-read-what, with a month to notice a gap.
        { id: 'expire-access-logs', expiration: Duration.days(400) },
      ],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket receives the returns bucket server access logs; logging it too would only log the log delivery.',
    });

    this.bucket = new Bucket(this, 'Returns', {
      ...PRIVATE_BUCKET,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'returns-bucket/',
      lifecycleRules: lifecycleRules(props.feedbackRetentionDays),
    });

    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ArchivedReturnsAreNeverDeleted',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [this.bucket.arnForObjects(`${PREFIXES.archive}*`)],
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'GuardChangesOnlyThroughCloudFormation',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:PutLifecycleConfiguration',
          's3:PutBucketVersioning',
        ],
        resources: [this.bucket.bucketArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': cloudFormationExecutionRoleArn(this) } },
      }),
    );
  }
}

function lifecycleRules(feedbackRetentionDays: number): LifecycleRule[] {
  return [
    // Parts of an upload that never completed are invisible and billed: clear them after a week.
    { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    // Feedback is regenerable from the archive, and its links expire long before this.
    {
      id: 'expire-feedback',
      prefix: PREFIXES.feedback,
      expiration: Duration.days(feedbackRetentionDays),
      noncurrentVersionExpiration: Duration.days(30),
    },
    // Once its versions are gone, an expired feedback object leaves a lone delete marker: remove it.
    { id: 'remove-feedback-delete-markers', prefix: PREFIXES.feedback, expiredObjectDeleteMarker: true },
    // A filtered download is every site's unsuppressed returns, linked for a minute: keep it a day at most.
    {
      id: 'expire-exports',
      prefix: PREFIXES.exports,
      expiration: Duration.days(1),
      noncurrentVersionExpiration: Duration.days(1),
    },
    { id: 'remove-export-delete-markers', prefix: PREFIXES.exports, expiredObjectDeleteMarker: true },
  ];
}

/**
 * The role CloudFormation deploys with: `cdk bootstrap`'s execution role,
 * named from the synthesizer's qualifier so a custom qualifier still matches.
 */
function cloudFormationExecutionRoleArn(scope: Construct): string {
  const synthesizer = Stack.of(scope).synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) {
    throw new Error('The returns bucket guard expects the default stack synthesizer (cdk bootstrap roles).');
  }
  // The ARN still holds ${AWS::AccountId}-style placeholders when the stack is environment-agnostic.
  return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
}
