/**
 * The storage stack: what must hold for nothing to be lost or exposed. The
 * bucket is private, TLS 1.2+ only, versioned and logged; archive/ can be
 * neither deleted nor expired; uploads reach the validator's queue; every queue
 * ends in a dead-letter queue with an alarm; the table is the one the code
 * designed, recoverable and protected.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../../functions/src/config/bucket-layout.js';
import { TABLE_DESIGN } from '../../functions/src/config/table-design.js';
import { routeKey, UPLOADS } from '../../functions/src/config/uploads.js';
import { parseIncomingKey } from '../../functions/src/submissions/receive-upload.js';
import { FUNCTION_SIZING, MAX_RECEIVE_COUNT, PREFIXES } from '../../infra/layout.js';
import { type CfnProperties, type CfnTemplate, type Synthesized, synthesize, synthesized } from './synth.js';

let app: Synthesized;
let storage: CfnTemplate;
let processing: CfnTemplate;

beforeAll(() => {
  app = synthesized();
  storage = app.json(app.storage);
  processing = app.json(app.processing);
});

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
};

function props(id: string): CfnProperties {
  const resource = storage.Resources[id];
  if (!resource) throw new Error(`no resource ${id} in the storage stack`);
  return resource.Properties ?? {};
}

function bucketPolicyOf(bucketId: string): Statement[] {
  const policy = Object.values(storage.Resources).find(
    (r) =>
      r.Type === 'AWS::S3::BucketPolicy' &&
      JSON.stringify(r.Properties?.Bucket) === JSON.stringify({ Ref: bucketId }),
  );
  if (!policy) throw new Error(`no bucket policy for ${bucketId}`);
  return (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;
}

const actions = (statement: Statement) => [statement.Action].flat();
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

describe('the returns bucket', () => {
  let bucketId: string;
  let logsId: string;
  beforeAll(() => {
    bucketId = app.logicalId(app.storage.returnsBucket.bucket);
    logsId = app.logicalId(app.storage.returnsBucket.accessLogs);
  });

  it('blocks all public access, encrypts at rest, keeps versions and logs access to a separate bucket', () => {
    expect(props(bucketId)).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
    });
    expect(storage.Resources[bucketId]).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it.each([
    ['returns', () => bucketId],
    ['access log', () => logsId],
  ])('the %s bucket refuses requests without TLS, or with TLS older than 1.2', (_name, id) => {
    const statements = bucketPolicyOf(id());
    const everything = [getAtt(id()), { 'Fn::Join': ['', [getAtt(id()), '/*']] }];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: everything,
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
        Resource: everything,
      }),
    );
  });

  it('denies deleting any object or version under archive/, to every principal', () => {
    const guard = bucketPolicyOf(bucketId).find((s) => s.Sid === 'ArchivedReturnsAreNeverDeleted');
    expect(guard).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Resource: { 'Fn::Join': ['', [getAtt(bucketId), `/${PREFIXES.archive}*`]] },
    });
    expect(guard).not.toHaveProperty('Condition');
    expect(actions(guard as Statement).sort()).toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion']);
  });

  it('lets only CloudFormation change the policy, the lifecycle rules or versioning', () => {
    const guard = bucketPolicyOf(bucketId).find((s) => s.Sid === 'GuardChangesOnlyThroughCloudFormation');
    expect(guard).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Resource: getAtt(bucketId) });
    expect(actions(guard as Statement).sort()).toEqual([
      's3:DeleteBucketPolicy',
      's3:PutBucketPolicy',
      's3:PutBucketVersioning',
      's3:PutLifecycleConfiguration',
    ]);
    const exempt = guard?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] as { 'Fn::Sub': string };
    expect(exempt['Fn::Sub']).toMatch(/:role\/cdk-hnb659fds-cfn-exec-role-\$\{AWS::AccountId\}-/);
  });

  it('expires only feedback/ and staff’s downloads (exports/, in a day), and aborts incomplete uploads everywhere', () => {
    const rules = props(bucketId).LifecycleConfiguration.Rules as Array<CfnProperties>;
    expect(rules).toContainEqual(
      expect.objectContaining({
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        Status: 'Enabled',
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        Prefix: PREFIXES.feedback,
        ExpirationInDays: app.context.feedbackRetentionDays,
        Status: 'Enabled',
      }),
    );
    const removesData = (rule: CfnProperties) =>
      [
        'ExpirationInDays',
        'ExpirationDate',
        'NoncurrentVersionExpiration',
        'Transitions',
        'NoncurrentVersionTransitions',
      ].some((key) => key in rule);
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: PREFIXES.exports, ExpirationInDays: 1, Status: 'Enabled' }),
    );
    // Any rule that deletes or moves data names a prefix, and that prefix is feedback/ or exports/:
    // never the archive, the uploads, the summaries or a release.
    for (const rule of rules.filter(removesData)) {
      expect([PREFIXES.feedback, PREFIXES.exports]).toContain(rule.Prefix);
      expect(rule.TagFilters).toBeUndefined();
    }
  });

  it('the access log bucket is itself private and encrypted', () => {
    expect(props(logsId)).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('the key prefixes are the ones the handlers write under', () => {
    expect(KEYS.incomingPrefix).toBe(PREFIXES.incoming);
    expect(KEYS.archive('BLK', '2025-26-Q2', 'BLK-0123')).toMatch(new RegExp(`^${PREFIXES.archive}`));
    expect(KEYS.feedback('BLK', '2025-26-Q2', 'BLK-0123')).toMatch(new RegExp(`^${PREFIXES.feedback}`));
    expect(KEYS.summaries('2025-26-Q2')).toMatch(new RegExp(`^${PREFIXES.summaries}`));
    // The notification's prefix is the one the validator routes by; it reads .xlsx in any case.
    expect(UPLOADS.prefix).toBe(PREFIXES.incoming);
    for (const suffix of ['.xlsx', '.XLSX', '.Xlsx']) {
      expect(parseIncomingKey(`${PREFIXES.incoming}BLK/return${suffix}`)).toEqual({
        site: 'BLK',
        fileName: `return${suffix}`,
      });
    }
    // What it cannot route it records for staff rather than drop.
    expect(routeKey(`${PREFIXES.incoming}BLK.xlsx`)).toEqual({
      route: 'unroutable',
      reason: 'no-site-folder',
    });
    expect(routeKey(`${PREFIXES.incoming}BLK/notes.txt`)).toMatchObject({
      route: 'unroutable',
      reason: 'not-a-workbook',
    });
  });
});

describe('from upload to the validator', () => {
  it('S3 notifies the uploads queue of every object created under incoming/, whatever its name', () => {
    const uploadsQueueId = app.logicalId(app.storage.uploads.queue);
    const notifications = Object.values(storage.Resources).find(
      (r) => r.Type === 'Custom::S3BucketNotifications',
    );
    expect(notifications?.Properties).toMatchObject({
      BucketName: { Ref: app.logicalId(app.storage.returnsBucket.bucket) },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            QueueArn: getAtt(uploadsQueueId),
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: PREFIXES.incoming }] } },
          },
        ],
      },
    });
  });

  it('S3 may send to that queue, from this bucket only', () => {
    app.template(app.storage).hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: app.logicalId(app.storage.uploads.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': getAtt(app.logicalId(app.storage.returnsBucket.bucket)) },
            },
          }),
        ]),
      },
    });
  });

  it('the validator consumes that very queue, in batches with partial failures', () => {
    const queueArnExport = exportOf(getAtt(app.logicalId(app.storage.uploads.queue)));
    const mapping = Object.values(processing.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties?.FunctionName) ===
          JSON.stringify({ Ref: app.logicalId(app.processing.validator.function) }),
    );
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::ImportValue': queueArnExport },
      BatchSize: FUNCTION_SIZING.validator.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: app.context.validatorConcurrency },
    });
  });
});

/** The export name under which the storage stack publishes a value. */
function exportOf(value: unknown): string {
  const output = Object.values(storage.Outputs ?? {}).find(
    (o) => JSON.stringify(o.Value) === JSON.stringify(value) && o.Export,
  );
  if (!output?.Export) throw new Error(`the storage stack exports no ${JSON.stringify(value)}`);
  return output.Export.Name;
}

describe('queues and dead letters', () => {
  it.each([
    ['uploads', () => app.storage.uploads, () => app.processing.validator, false],
    ['ReturnAccepted', () => app.storage.returnAccepted, () => app.processing.aggregator, true],
  ] as const)(
    'the %s queue moves a message to its dead-letter queue after a few receives, and waits out the function',
    (_name, queue, consumer, fifo) => {
      const queueId = app.logicalId(queue().queue);
      const dlqId = app.logicalId(queue().deadLetters);
      const functionTimeout = processing.Resources[app.logicalId(consumer().function)]?.Properties
        ?.Timeout as number;
      const queueProps = props(queueId);

      expect(queueProps.RedrivePolicy).toEqual({
        deadLetterTargetArn: getAtt(dlqId),
        maxReceiveCount: MAX_RECEIVE_COUNT,
      });
      expect(MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(3);
      expect(MAX_RECEIVE_COUNT).toBeLessThanOrEqual(5);
      expect(queueProps.VisibilityTimeout).toBeGreaterThanOrEqual(6 * functionTimeout);
      expect(props(dlqId).MessageRetentionPeriod).toBe(14 * 24 * 3600);
      for (const id of [queueId, dlqId]) {
        expect(props(id).SqsManagedSseEnabled).toBe(true);
        if (fifo) expect(props(id).FifoQueue).toBe(true);
        else expect(props(id).FifoQueue).toBeUndefined();
      }
    },
  );

  it('ReturnAccepted is FIFO without content-based deduplication (the validator sets the deduplication ID)', () => {
    expect(props(app.logicalId(app.storage.returnAccepted.queue))).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
    });
  });

  it.each([
    ['uploads', () => app.storage.uploads],
    ['ReturnAccepted', () => app.storage.returnAccepted],
  ] as const)(
    'a message in the %s dead-letter queue raises an alarm to the operations topic',
    (_name, queue) => {
      const alarm = props(app.logicalId(queue().deadLetterAlarm));
      const topic = { Ref: app.logicalId(app.storage.operationsTopic) };
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(app.logicalId(queue().deadLetters), 'QueueName') }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
      });
    },
  );

  it('the operations topic mails the operations address from the context', () => {
    app.template(app.storage).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: app.context.opsEmail,
      TopicArn: { Ref: app.logicalId(app.storage.operationsTopic) },
    });
  });
});

describe('the submissions table', () => {
  it('is on demand, recoverable to any point, protected from deletion and encrypted', () => {
    expect(props(app.logicalId(app.storage.table))).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
    });
    expect(storage.Resources[app.logicalId(app.storage.table)]).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it('has the keys and indexes of TABLE_DESIGN, every attribute projected', () => {
    const table = props(app.logicalId(app.storage.table));
    expect(table.KeySchema).toEqual([
      { AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = [TABLE_DESIGN.bySite, TABLE_DESIGN.byYear].map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }));
    expect(table.GlobalSecondaryIndexes).toEqual(indexes);
  });
});

describe('feedback email', () => {
  it('suppresses bounced and complaining addresses, over TLS only', () => {
    expect(props(app.logicalId(app.storage.sender.configurationSet))).toMatchObject({
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
  });

  it('sends bounces and complaints to the operations topic', () => {
    app.template(app.storage).hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: app.logicalId(app.storage.sender.configurationSet) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['bounce', 'complaint']),
        SnsDestination: { TopicARN: { Ref: app.logicalId(app.storage.operationsTopic) } },
      },
    });
  });

  it('verifies the sender from the context, with the configuration set as its default', () => {
    expect(props(app.logicalId(app.storage.sender.identity))).toMatchObject({
      EmailIdentity: app.context.senderEmail,
      ConfigurationSetAttributes: {
        ConfigurationSetName: { Ref: app.logicalId(app.storage.sender.configurationSet) },
      },
    });
  });

  it('the stack prints the bucket and table the returns CLI needs', () => {
    expect(storage.Outputs?.BucketName?.Value).toEqual({
      Ref: app.logicalId(app.storage.returnsBucket.bucket),
    });
    expect(storage.Outputs?.TableName?.Value).toEqual({ Ref: app.logicalId(app.storage.table) });
  });
});

describe('deployment context', () => {
  const WITHOUT_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

  it('with senderIdentity=domain, verifies the domain and still sends only from the address', () => {
    const domainApp = synthesize({
      context: { ...WITHOUT_BUNDLING, senderIdentity: 'domain', senderEmail: 'returns@funder.example' },
    });
    const identity = domainApp.json(domainApp.storage).Resources[
      domainApp.logicalId(domainApp.storage.sender.identity)
    ];
    expect(identity?.Properties?.EmailIdentity).toBe('funder.example');
    expect(JSON.stringify(domainApp.json(domainApp.processing))).toContain(
      '"ses:FromAddress":"returns@funder.example"',
    );
  });

  it('refuses a context it cannot use, naming each problem', () => {
    expect(() =>
      synthesize({ context: { ...WITHOUT_BUNDLING, opsEmail: 'ops', validatorConcurrency: 1 } }),
    ).toThrow(/opsEmail: .*; validatorConcurrency: /);
  });
});
