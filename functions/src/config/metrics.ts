/**
 * The pipeline's CloudWatch metrics: the namespace and service the Lambda
 * functions emit them under (Powertools, as EMF) and the CDK alarms watch. No
 * SDK here, so the CDK app may import it.
 */
export const METRICS = {
  namespace: 'MonitoringReturns',
  /** Powertools adds it to every metric as the `service` dimension. */
  service: 'monitoring-returns',
} as const;
