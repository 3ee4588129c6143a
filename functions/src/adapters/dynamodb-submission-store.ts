/**
 * The SubmissionStore port on DynamoDB (and on dynalite locally). One table,
 * keys as TABLE_DESIGN documents. No transactions and no TTL (dynalite has
 * neither): every write is a single conditional put or update, ordered so that
 * a worker dying between two of them leaves nothing a repeat cannot finish.
 * Values are stored as JSON on the submission and on the current-return item,
 * so a quarter's aggregation reads every site's values in one query.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TABLE_DESIGN } from '../config/table-design.js';
import type { ReturnValues } from '../returns/return-values.js';
import type { CurrentReturn, Submission, SubmissionStatus } from '../returns/submission.js';
import type {
  CurrentUpdate,
  Notice,
  NoticeKey,
  NoticeRecord,
  PeriodAggregate,
  SubmissionStore,
} from '../submissions/ports.js';

type Item = Record<string, unknown>;

const { bySite, byYear } = TABLE_DESIGN;

export class DynamoSubmissionStore implements SubmissionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getSubmission(submissionId: string): Promise<Submission | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: submissionKey(submissionId), ConsistentRead: true }),
    );
    return result.Item ? toSubmission(result.Item) : undefined;
  }

  async recordSubmission(submission: Submission): Promise<{ created: boolean; submission: Submission }> {
    const year = submission.period?.slice(0, 7);
    const item: Item = {
      ...submissionKey(submission.submissionId),
      type: 'submission',
      [bySite.partitionKey]: `SITE#${submission.site}`,
      [bySite.sortKey]: `SUBMISSION#${submission.period ?? 'unreadable'}#${submission.receivedAt}#${submission.submissionId}`,
      ...(year
        ? {
            [byYear.partitionKey]: `YEAR#${year}`,
            [byYear.sortKey]: `SUBMISSION#${submission.period}#${submission.site}#${submission.receivedAt}`,
          }
        : {}),
      ...withoutValues(submission),
      ...(submission.values ? { valuesJson: JSON.stringify(submission.values) } : {}),
      recordedAt: new Date().toISOString(),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, submission };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Recorded by an earlier attempt or a concurrent duplicate: that record wins.
      return {
        created: false,
        submission: (await this.getSubmission(submission.submissionId)) as Submission,
      };
    }
  }

  async offerCurrent(candidate: CurrentReturn): Promise<CurrentUpdate> {
    const key = { pk: `PERIOD#${candidate.period}`, sk: `CURRENT#${candidate.site}` };
    const item: Item = {
      ...key,
      type: 'current',
      [bySite.partitionKey]: `SITE#${candidate.site}`,
      [bySite.sortKey]: `CURRENT#${candidate.period}`,
      [byYear.partitionKey]: `YEAR#${candidate.period.slice(0, 7)}`,
      [byYear.sortKey]: `CURRENT#${candidate.period}#${candidate.site}`,
      ...withoutValues(candidate),
      valuesJson: JSON.stringify(candidate.values),
    };
    try {
      // The later upload wins, by S3's event time and then its sequencer, whatever order the events arrive in.
      const result = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression:
            'attribute_not_exists(pk) OR submissionId = :id OR receivedAt < :received OR (receivedAt = :received AND sequencer < :sequencer)',
          ExpressionAttributeValues: {
            ':id': candidate.submissionId,
            ':received': candidate.receivedAt,
            ':sequencer': candidate.sequencer,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = result.Attributes;
      if (!old) return { outcome: 'now-current' };
      if (old.submissionId === candidate.submissionId) return { outcome: 'already-current' };
      return { outcome: 'now-current', replaced: toCurrent(old) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.db.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      );
      return { outcome: 'older', current: toCurrent(current.Item as Item) };
    }
  }

  async setStatus(submissionId: string, status: SubmissionStatus): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: submissionKey(submissionId),
        UpdateExpression: 'SET #status = :status, statusChangedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':now': new Date().toISOString() },
      }),
    );
  }

  async claimEmail(submissionId: string, now: string, staleAfterSeconds: number): Promise<boolean> {
    const staleBefore = new Date(Date.parse(now) - staleAfterSeconds * 1000).toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: submissionKey(submissionId),
          UpdateExpression:
            'SET emailState = :sending, emailClaimedAt = :now, emailAttempts = emailAttempts + :one',
          // Pending, or claimed by a worker that has not finished for too long (it died).
          ConditionExpression:
            'emailState = :pending OR (emailState = :sending AND emailClaimedAt < :staleBefore)',
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':pending': 'pending',
            ':now': now,
            ':one': 1,
            ':staleBefore': staleBefore,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async finishEmail(submissionId: string, state: 'sent' | 'pending' | 'failed' | 'not-sent'): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: submissionKey(submissionId),
        UpdateExpression: 'SET emailState = :state, emailFinishedAt = :now',
        ExpressionAttributeValues: { ':state': state, ':now': new Date().toISOString() },
      }),
    );
  }

  async reopenEmail(submissionId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: submissionKey(submissionId),
          UpdateExpression: 'SET emailState = :pending',
          ConditionExpression: 'emailState = :sent',
          ExpressionAttributeValues: { ':pending': 'pending', ':sent': 'sent' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async currentReturns(period: string): Promise<CurrentReturn[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :current)',
      ExpressionAttributeValues: { ':pk': `PERIOD#${period}`, ':current': 'CURRENT#' },
    });
    return items.map(toCurrent);
  }

  async siteHistory(site: string): Promise<CurrentReturn[]> {
    const items = await this.queryAll({
      IndexName: bySite.indexName,
      KeyConditionExpression: `${bySite.partitionKey} = :site AND begins_with(${bySite.sortKey}, :current)`,
      ExpressionAttributeValues: { ':site': `SITE#${site}`, ':current': 'CURRENT#' },
    });
    return items.map(toCurrent);
  }

  async siteSubmissions(site: string, period?: string): Promise<Submission[]> {
    const items = await this.queryAll({
      IndexName: bySite.indexName,
      KeyConditionExpression: `${bySite.partitionKey} = :site AND begins_with(${bySite.sortKey}, :prefix)`,
      ExpressionAttributeValues: {
        ':site': `SITE#${site}`,
        ':prefix': `SUBMISSION#${period ? `${period}#` : ''}`,
      },
    });
    return items.map(toSubmission).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }

  async yearOverview(year: string): Promise<{ submissions: Submission[]; current: CurrentReturn[] }> {
    const items = await this.queryAll({
      IndexName: byYear.indexName,
      KeyConditionExpression: `${byYear.partitionKey} = :year`,
      ExpressionAttributeValues: { ':year': `YEAR#${year}` },
    });
    return {
      submissions: items.filter((item) => item.type === 'submission').map(toSubmission),
      current: items.filter((item) => item.type === 'current').map(toCurrent),
    };
  }

  async putAggregate(aggregate: PeriodAggregate): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `PERIOD#${aggregate.period}`,
          sk: 'AGGREGATE#programme',
          type: 'aggregate',
          period: aggregate.period,
          computedAt: aggregate.computedAt,
          fingerprint: aggregate.fingerprint,
          returns: aggregate.returns,
          figuresJson: JSON.stringify(aggregate.figures),
        },
      }),
    );
  }

  async getAggregate(period: string): Promise<PeriodAggregate | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `PERIOD#${period}`, sk: 'AGGREGATE#programme' },
        ConsistentRead: true,
      }),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      period: item.period as string,
      computedAt: item.computedAt as string,
      fingerprint: item.fingerprint as string,
      returns: item.returns as number,
      figures: JSON.parse(item.figuresJson as string) as unknown,
    };
  }

  // Notices (reminders, chasers, digests): `PERIOD#{period}` / `NOTICE#{kind}#{about}`, beside the
  // quarter's current returns but under their own sort-key prefix, so neither query sees the other.
  async claimNotice(notice: Notice, now: string, staleAfterSeconds: number): Promise<boolean> {
    const staleBefore = new Date(Date.parse(now) - staleAfterSeconds * 1000).toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: noticeKey(notice),
          UpdateExpression:
            'SET #type = :type, #kind = :kind, #period = :period, #about = :about, #to = :to, #subject = :subject, #state = :sending, claimedAt = :now, attempts = if_not_exists(attempts, :zero) + :one',
          // Never claimed, released after a failed send, or claimed by a sender that died.
          ConditionExpression:
            'attribute_not_exists(pk) OR #state = :released OR (#state = :sending AND claimedAt < :staleBefore)',
          ExpressionAttributeNames: {
            '#type': 'type',
            '#kind': 'kind',
            '#period': 'period',
            '#about': 'about',
            '#to': 'to',
            '#subject': 'subject',
            '#state': 'state',
          },
          ExpressionAttributeValues: {
            ':type': 'notice',
            ':kind': notice.kind,
            ':period': notice.period,
            ':about': notice.about,
            ':to': [...notice.to],
            ':subject': notice.subject,
            ':sending': 'sending',
            ':released': 'released',
            ':now': now,
            ':staleBefore': staleBefore,
            ':zero': 0,
            ':one': 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async finishNotice(notice: NoticeKey, outcome: 'sent' | 'released', now: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: noticeKey(notice),
        UpdateExpression: 'SET #state = :outcome, finishedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':outcome': outcome, ':now': now },
      }),
    );
  }

  async notices(period: string): Promise<NoticeRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :notice)',
      ExpressionAttributeValues: { ':pk': `PERIOD#${period}`, ':notice': 'NOTICE#' },
    });
    return items.map((item) => strip(item) as unknown as NoticeRecord);
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ ...input, TableName: this.table, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function submissionKey(submissionId: string) {
  return { pk: `SUBMISSION#${submissionId}`, sk: 'SUBMISSION' };
}

function noticeKey(notice: NoticeKey) {
  return { pk: `PERIOD#${notice.period}`, sk: `NOTICE#${notice.kind}#${notice.about}` };
}

function withoutValues<T extends { values?: ReturnValues }>(record: T): Omit<T, 'values'> {
  const { values: _values, ...rest } = record;
  return rest;
}

const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'type',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'valuesJson',
  'recordedAt',
  'statusChangedAt',
  'emailClaimedAt',
  'emailFinishedAt',
];

function strip(item: Item): Item {
  const rest: Item = {};
  for (const [key, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(key)) rest[key] = value;
  return rest;
}

function toSubmission(item: Item): Submission {
  return {
    ...(strip(item) as unknown as Submission),
    ...(typeof item.valuesJson === 'string' ? { values: JSON.parse(item.valuesJson) as ReturnValues } : {}),
  };
}

function toCurrent(item: Item): CurrentReturn {
  return {
    ...(strip(item) as unknown as CurrentReturn),
    values: JSON.parse(item.valuesJson as string) as ReturnValues,
  };
}
