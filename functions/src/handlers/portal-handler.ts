/**
 * The portal as a Lambda behind an API Gateway HTTP API (payload 2.0): Hono's
 * adapter turns the event (its `cookies` array, a base64 body) into a Request
 * and the Response back into the result, each Set-Cookie as its own entry of
 * `cookies`. Everything else is the same app the local stack serves.
 */
import { handle } from 'hono/aws-lambda';
import { createPortal, type PortalDeps } from '../portal/app.js';

export function createPortalHandler(deps: PortalDeps) {
  return handle(createPortal(deps).app);
}
