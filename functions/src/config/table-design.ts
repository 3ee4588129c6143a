/**
 * The DynamoDB table's keys and indexes: one table, three kinds of item.
 * Shared by the adapter, the local stack (which creates the table) and the CDK
 * app (which declares it), so the three cannot drift apart. No SDK here.
 *
 * | item              | pk                 | sk               | gsi1 (by-site)                               | gsi2 (by-year)                               |
 * |-------------------|--------------------|------------------|----------------------------------------------|----------------------------------------------|
 * | submission        | SUBMISSION#{id}    | SUBMISSION       | SITE#{site} / SUBMISSION#{period}#{received} | YEAR#{year} / SUBMISSION#{period}#{site}#{received} |
 * | current return    | PERIOD#{period}    | CURRENT#{site}   | SITE#{site} / CURRENT#{period}               | YEAR#{year} / CURRENT#{period}#{site}        |
 * | period aggregate  | PERIOD#{period}    | AGGREGATE#{kind} | –                                            | –                                            |
 * | review (+ trail)  | PERIOD#{period}    | REVIEW#{site}    | –                                            | REVIEWS#{year} / {period}#{site}             |
 *
 * Access patterns: a submission by ID (get); every site's current return for a
 * quarter, values included (one query on pk); a site's submissions, for one
 * quarter or all (by-site, begins_with); a site's accepted history (by-site,
 * CURRENT#); a year's completeness: every submission and current return of the
 * year (one query on by-year).
 */
export const TABLE_DESIGN = {
  partitionKey: 'pk',
  sortKey: 'sk',
  bySite: { indexName: 'by-site', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byYear: { indexName: 'by-year', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
} as const;
