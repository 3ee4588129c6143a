/** Creating the table where nothing else does: on the local stack (in AWS the CDK app declares it). */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { TABLE_DESIGN } from '../config/table-design.js';

export async function createTableIfMissing(db: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await db.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { bySite, byYear } = TABLE_DESIGN;
  const keys = [
    TABLE_DESIGN.partitionKey,
    TABLE_DESIGN.sortKey,
    bySite.partitionKey,
    bySite.sortKey,
    byYear.partitionKey,
    byYear.sortKey,
  ];
  await db.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [bySite, byYear].map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  // Usable only once ACTIVE (dynalite, too, writes CREATING first and ACTIVE a moment later).
  await waitUntilTableExists({ client: db, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
  return true;
}
