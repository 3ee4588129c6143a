/**
 * Where each kind of file lives in the bucket: shared by the use cases, the
 * local stack and the CDK app, so a prefix is written once.
 */
export const KEYS = {
  incomingPrefix: 'incoming/',
  archive: (site: string, period: string, submissionId: string) =>
    `archive/${site}/${period}/${submissionId}.xlsx`,
  feedback: (site: string, period: string, submissionId: string) =>
    `feedback/${site}/${period}/${submissionId}/`,
  summaries: (period: string) => `summaries/${period}/`,
} as const;
