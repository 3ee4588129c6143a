/**
 * The Log and Metrics ports on Powertools for AWS Lambda: one JSON object a
 * line with the request ID and the correlation ID in every line (Logger), and
 * counts as CloudWatch embedded metric format (Metrics), which CloudWatch turns
 * into metrics the alarms watch, with no PutMetricData call. The local stack
 * uses the same Logger for RETURNS_LOG=json.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../config/metrics.js';
import type { Log, MetricName, Metrics } from '../submissions/ports.js';

export function createLogger(serviceName: string = METRICS.service): Logger {
  return new Logger({ serviceName });
}

export function createMetrics(): PowertoolsMetrics {
  return new PowertoolsMetrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
}

export function powertoolsLog(logger: Logger): Log {
  return {
    info: (message, detail) => (detail ? logger.info(message, detail) : logger.info(message)),
    warn: (message, detail) => (detail ? logger.warn(message, detail) : logger.warn(message)),
    error: (message, detail) => (detail ? logger.error(message, detail) : logger.error(message)),
  };
}

/**
 * Each count is flushed at once as its own EMF record: a per-site dimension on
 * one and not another cannot share a record, and a count must not wait for the
 * end of an invocation that may time out. The plain count (no dimensions) is
 * what the alarms watch; the per-site one is for dashboards.
 */
export function emfMetrics(metrics: PowertoolsMetrics): Metrics {
  return {
    count: (name: MetricName, dimensions?: Record<string, string>) => {
      metrics.singleMetric().addMetric(name, MetricUnit.Count, 1);
      if (dimensions && Object.keys(dimensions).length > 0) {
        const single = metrics.singleMetric();
        for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
        single.addMetric(name, MetricUnit.Count, 1);
      }
    },
  };
}
