/**
 * The SubmissionStore port on DynamoDB (and on dynalite locally). One table,
 * keys as TABLE_DESIGN documents. No transactions and no TTL (dynalite has
 * neither): every write is a single conditional put or update, ordered so that
 * a worker dying between two of them leaves nothing a repeat cannot finish.
 * Values are stored as JSON on the submission and on the current-return item,
 * so a quarter's aggregation reads every site's values in one query.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TABLE_DESIGN } from '../config/table-design.js';
import type { ReturnValues } from '../returns/return-values.js';
import type { AuditRecord, Review } from '../returns/review.js';
import type {
  CurrentReturn,
  EmailState,
  Submission,
  SubmissionStatus,
  UnroutableUpload,
} from '../returns/submission.js';
import {
  type AggregationRequest,
  type CurrentUpdate,
  type Notice,
  type NoticeKey,
  type NoticeRecord,
  type OwedEmail,
  type PeriodAggregate,
  type ReviewWrite,
  receiptId,
  type SubmissionStore,
  type UploadReceipt,
} from '../submissions/ports.js';

type Item = Record<string, unknown>;

const { bySite, byYear } = TABLE_DESIGN;

/** The one way every runtime (Lambda, local stack, CLI, tests) opens the store on a DynamoDB client. */
export function submissionStoreOn(dynamodb: DynamoDBClient, table: string): DynamoSubmissionStore {
  return new DynamoSubmissionStore(
    DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    table,
  );
}

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
    const order = candidate.order ?? `${candidate.receivedAt}#${candidate.sequencer}`;
    const fields: Item = {
      type: 'current',
      [bySite.partitionKey]: `SITE#${candidate.site}`,
      [bySite.sortKey]: `CURRENT#${candidate.period}`,
      [byYear.partitionKey]: `YEAR#${candidate.period.slice(0, 7)}`,
      [byYear.sortKey]: `CURRENT#${candidate.period}#${candidate.site}`,
      ...withoutValues({ ...candidate, order }),
      valuesJson: JSON.stringify(candidate.values),
    };
    delete fields.version;
    const names: Record<string, string> = { '#version': 'version', '#order': 'order' };
    const values: Item = { ':zero': 0, ':one': 1, ':order': order, ':received': candidate.receivedAt };
    const sets = Object.entries(fields).map(([name, value], index) => {
      names[`#f${index}`] = name;
      values[`:f${index}`] = value;
      return `#f${index} = :f${index}`;
    });
    try {
      // The later upload wins, whatever order the events arrive in; a repeat (or an older event) of
      // the current one changes nothing, so a redelivered old event never rolls the quarter back.
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}, #version = if_not_exists(#version, :zero) + :one`,
          ConditionExpression:
            'attribute_not_exists(pk) OR #order < :order OR (attribute_not_exists(#order) AND receivedAt < :received)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = result.Attributes;
      const version = Number(old?.version ?? 0) + 1;
      if (!old?.valuesJson) return { outcome: 'now-current', version };
      if (old.submissionId === candidate.submissionId) return { outcome: 'already-current', version };
      return { outcome: 'now-current', replaced: toCurrent(old), version };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = toCurrent(
        (await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })))
          .Item as Item,
      );
      if (current.submissionId === candidate.submissionId)
        return { outcome: 'already-current', version: current.version ?? 0 };
      return { outcome: 'older', current };
    }
  }

  async currentReturn(site: string, period: string): Promise<CurrentReturn | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `PERIOD#${period}`, sk: `CURRENT#${site}` },
        ConsistentRead: true,
      }),
    );
    return result.Item ? toCurrent(result.Item) : undefined;
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

  async finishEmail(submissionId: string, state: Exclude<EmailState, 'sending'>): Promise<void> {
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

  async recordReceipt(receipt: UploadReceipt): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...receiptKey(receipt.key, receipt.etag), type: 'receipt', ...receipt },
      }),
    );
  }

  async receiptsFor(objects: ReadonlyArray<{ key: string; etag?: string }>): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Map(objects.map((o) => [receiptId(o.key, o.etag), o])).values()];
    // BatchGetItem takes 100 keys; whatever it leaves unprocessed (throttling) is asked again.
    for (let start = 0; start < unique.length; start += 100) {
      let keys: Item[] = unique.slice(start, start + 100).map((o) => receiptKey(o.key, o.etag));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** Math.min(attempt, 6)));
        const result = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: keys,
                ProjectionExpression: '#key, etag',
                ExpressionAttributeNames: { '#key': 'key' },
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.table] ?? [])
          found.add(receiptId(item.key as string, item.etag as string | undefined));
        keys = (result.UnprocessedKeys?.[this.table]?.Keys ?? []) as Item[];
      }
    }
    return found;
  }

  async recordUnroutable(upload: UnroutableUpload): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: 'UNROUTABLE', sk: `${upload.receivedAt}#${upload.key}`, type: 'unroutable', ...upload },
      }),
    );
  }

  async unroutableUploads(): Promise<UnroutableUpload[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'UNROUTABLE' },
      ScanIndexForward: false,
    });
    return items.map((item) => strip(item) as unknown as UnroutableUpload);
  }

  async oweEmail(entry: OwedEmail): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: 'OUTBOX', sk: entry.submissionId, type: 'outbox', ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async rescheduleEmail(entry: OwedEmail): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: 'OUTBOX', sk: entry.submissionId, type: 'outbox', ...entry },
      }),
    );
  }

  async dueEmails(now: string, limit: number): Promise<OwedEmail[]> {
    return (await this.owedEmails())
      .filter((entry) => entry.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt))
      .slice(0, limit);
  }

  async owedEmails(): Promise<OwedEmail[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'OUTBOX' },
    });
    return items.map((item) => strip(item) as unknown as OwedEmail);
  }

  async settleEmail(submissionId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: 'OUTBOX', sk: submissionId } }));
  }

  async requestAggregate(period: string, at: string): Promise<number> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'AGGREGATION', sk: period },
        UpdateExpression:
          'SET #type = :type, period = :period, requestedAt = :at, computed = if_not_exists(computed, :zero) ADD requested :one',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'aggregation',
          ':period': period,
          ':at': at,
          ':zero': 0,
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes?.requested as number;
  }

  async markAggregated(period: string, request: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: 'AGGREGATION', sk: period },
          UpdateExpression: 'SET computed = :request',
          // Never backwards: a slower run that started earlier must not undo a later one's mark.
          ConditionExpression: 'attribute_not_exists(computed) OR computed < :request',
          ExpressionAttributeValues: { ':request': request },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async aggregationRequests(): Promise<AggregationRequest[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'AGGREGATION' },
    });
    return items.map((item) => ({
      period: item.period as string,
      requested: Number(item.requested ?? 0),
      computed: Number(item.computed ?? 0),
      requestedAt: item.requestedAt as string,
    }));
  }

  async sweepCursor(): Promise<string | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: 'SWEEP', sk: 'cursor' }, ConsistentRead: true }),
    );
    return (result.Item?.afterKey as string | undefined) || undefined;
  }

  async setSweepCursor(afterKey: string | undefined): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: 'SWEEP', sk: 'cursor', type: 'sweep', afterKey: afterKey ?? '' },
      }),
    );
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

  // Reviews: `PERIOD#{period}` / `REVIEW#{site}`, the review and its audit trail in one item, so a
  // decision and its record are one conditional write (no transactions: dynalite has none) and can
  // never be half-written. The by-year index has its own partition (`REVIEWS#{year}`), so the year's
  // completeness query for submissions is not made to read trails.
  async review(site: string, period: string): Promise<Review | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: reviewKey(site, period),
        ConsistentRead: true,
        ProjectionExpression: 'reviewJson',
      }),
    );
    return result.Item ? (JSON.parse(result.Item.reviewJson as string) as Review) : undefined;
  }

  async yearReviews(year: string): Promise<Review[]> {
    const items = await this.queryAll({
      IndexName: byYear.indexName,
      KeyConditionExpression: `${byYear.partitionKey} = :year`,
      ExpressionAttributeValues: { ':year': `REVIEWS#${year}` },
      ProjectionExpression: 'reviewJson',
    });
    return items.map((item) => JSON.parse(item.reviewJson as string) as Review);
  }

  async reviewTrail(site: string, period: string): Promise<AuditRecord[]> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: reviewKey(site, period),
        ConsistentRead: true,
        ProjectionExpression: 'trail',
      }),
    );
    return ((result.Item?.trail ?? []) as string[]).map((entry) => JSON.parse(entry) as AuditRecord);
  }

  async writeReview(review: Review, audit: AuditRecord, expectedVersion: number): Promise<ReviewWrite> {
    const entry = JSON.stringify(audit);
    const bytes = Buffer.byteLength(entry, 'utf8');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: reviewKey(review.site, review.period),
          UpdateExpression:
            'SET #type = :type, reviewJson = :review, #version = :version, #state = :state, #gpk = :gpk, #gsk = :gsk, trail = list_append(if_not_exists(trail, :empty), :entry) ADD trailBytes :bytes',
          ConditionExpression:
            expectedVersion === 0
              ? 'attribute_not_exists(pk)'
              : '#version = :expected AND trailBytes <= :room',
          ExpressionAttributeNames: {
            '#type': 'type',
            '#version': 'version',
            '#state': 'state',
            '#gpk': byYear.partitionKey,
            '#gsk': byYear.sortKey,
          },
          ExpressionAttributeValues: {
            ':type': 'review',
            ':review': JSON.stringify(review),
            ':version': review.version,
            ':state': review.state,
            ':gpk': `REVIEWS#${review.period.slice(0, 7)}`,
            ':gsk': `${review.period}#${review.site}`,
            ':empty': [],
            ':entry': [entry],
            ':bytes': bytes,
            ...(expectedVersion === 0
              ? {}
              : { ':expected': expectedVersion, ':room': MAX_TRAIL_BYTES - bytes }),
          },
        }),
      );
      return { outcome: 'written', review };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.review(review.site, review.period);
      if (stored && stored.version === expectedVersion) return { outcome: 'full' };
      const trail = await this.reviewTrail(review.site, review.period);
      return {
        outcome: 'conflict',
        ...(stored ? { review: stored } : {}),
        since: trail.filter((record) => record.version > expectedVersion),
      };
    }
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

function reviewKey(site: string, period: string) {
  return { pk: `PERIOD#${period}`, sk: `REVIEW#${site}` };
}

/**
 * An item holds at most 400 KB: the trail stops short of it (with the review beside it). A query
 * or reply is at most 2,000 characters, so this is well over a hundred actions on one quarter.
 */
const MAX_TRAIL_BYTES = 350_000;

function noticeKey(notice: NoticeKey) {
  return { pk: `PERIOD#${notice.period}`, sk: `NOTICE#${notice.kind}#${notice.about}` };
}

function receiptKey(key: string, etag?: string) {
  return { pk: `UPLOAD#${key}`, sk: `RECEIPT#${(etag ?? '').replaceAll('"', '')}` };
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
    ...(item.version === undefined ? {} : { version: Number(item.version) }),
    values: JSON.parse(item.valuesJson as string) as ReturnValues,
  };
}
