/**
 * The ReleaseStore port on DynamoDB (and dynalite locally), in the same table
 * as the submissions: one item per release, `pk = RELEASES#{period}`,
 * `sk = RELEASE#{number, zero-padded}`, the record as JSON. The put is
 * conditional on the key not existing, so of two publications that chose the
 * same number only one is recorded.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ReleaseRecord } from '../publication/release.js';
import type { ReleaseStore } from '../submissions/ports.js';

const keyOf = (period: string, number: number) => ({
  pk: `RELEASES#${period}`,
  sk: `RELEASE#${String(number).padStart(4, '0')}`,
});

export class DynamoReleaseStore implements ReleaseStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async listReleases(period: string): Promise<ReleaseRecord[]> {
    const records: ReleaseRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :release)',
          ExpressionAttributeValues: { ':pk': `RELEASES#${period}`, ':release': 'RELEASE#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? [])
        records.push(JSON.parse(item.recordJson as string) as ReleaseRecord);
      start = page.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.number - b.number);
  }

  async recordRelease(
    record: ReleaseRecord,
  ): Promise<{ recorded: true } | { recorded: false; holder?: ReleaseRecord }> {
    const key = keyOf(record.period, record.number);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key, type: 'release', recordJson: JSON.stringify(record) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { recorded: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const held = await this.db.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      );
      return held.Item
        ? { recorded: false, holder: JSON.parse(held.Item.recordJson as string) as ReleaseRecord }
        : { recorded: false };
    }
  }
}
