/**
 * The bucket's front door in the local stack: what AWS S3 does with a browser
 * POST that s3rver does not. s3rver accepts any form (it ignores the policy and
 * its signature), so this small server stands in front of it and checks a POST
 * exactly as S3 does before storing the object:
 *
 * - the policy's SigV4 signature, made with the stack's credentials for the
 *   credential scope in the form (SignatureDoesNotMatch, 403);
 * - the policy's expiration (AccessDenied "Policy expired", 403);
 * - every condition: the bucket, each `eq` and `starts-with` on a form field,
 *   and `content-length-range` on the file's size (EntityTooSmall or
 *   EntityTooLarge, 400); and no form field that no condition covers
 *   ("Extra input fields", 403), so a key edited to another site's folder, a
 *   changed redirect or uploader, or a larger file are all refused;
 * - then it stores the object (with its content type and x-amz-meta-*
 *   metadata) in s3rver, which announces it to the pipeline as S3 would, and
 *   answers 303 to success_action_redirect with bucket, key and etag.
 *
 * Anything else (the signed download links) is passed to s3rver untouched.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface UploadCheckOptions {
  readonly port: number;
  /** s3rver's address, where checked uploads and every other request go. */
  readonly s3Endpoint: string;
  /** A client for s3rver, to store an accepted upload. */
  readonly s3: S3Client;
  readonly bucket: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly clock?: () => Date;
}

export interface UploadCheck {
  /** Where the browser reaches the bucket: forms post here and download links point here. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Refuse to buffer more than this; S3 would refuse it as too large anyway. */
const MAX_FORM_BYTES = 64 * 1024 * 1024;

export class PolicyRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Condition = Record<string, string> | [string, string, string | number, (string | number)?];

export interface CheckedPost {
  readonly key: string;
  readonly contentType?: string;
  readonly metadata: Record<string, string>;
  readonly redirect?: string;
  readonly file: Buffer;
}

/** S3's checks of a POST form, as a pure function of the fields, the file and the time. */
export function checkPostPolicy(
  fields: ReadonlyMap<string, string>,
  file: Buffer | undefined,
  context: { bucket: string; secretAccessKey: string; accessKeyId: string; now: Date },
): CheckedPost {
  const field = (name: string) => fields.get(name.toLowerCase());
  if (!file)
    throw new PolicyRefusal(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
  const policyText = field('policy');
  const signature = field('x-amz-signature');
  const credential = field('x-amz-credential');
  if (!policyText || !signature || !credential || field('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
    throw new PolicyRefusal(
      403,
      'AccessDenied',
      'Bucket POST must contain a policy, a signature and a credential.',
    );
  }
  const [accessKeyId, date, region, service, terminator] = credential.split('/');
  if (
    accessKeyId !== context.accessKeyId ||
    service !== 's3' ||
    terminator !== 'aws4_request' ||
    !date ||
    !region
  ) {
    throw new PolicyRefusal(
      403,
      'InvalidAccessKeyId',
      'The AWS access key ID you provided does not exist in our records.',
    );
  }
  const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${context.secretAccessKey}`, date), region), 's3'),
    'aws4_request',
  );
  const expected = Buffer.from(hmac(signingKey, policyText).toString('hex'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new PolicyRefusal(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
  let policy: { expiration?: string; conditions?: Condition[] };
  try {
    policy = JSON.parse(Buffer.from(policyText, 'base64').toString('utf8'));
  } catch {
    throw new PolicyRefusal(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  if (!policy.expiration || !(Date.parse(policy.expiration) > context.now.getTime())) {
    throw new PolicyRefusal(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
  }
  const covered = new Set(['policy', 'x-amz-signature', 'file']);
  const fieldValue = (name: string) => (name === 'bucket' ? context.bucket : field(name));
  for (const condition of policy.conditions ?? []) {
    if (Array.isArray(condition)) {
      const [operator, target, value, upper] = condition;
      if (operator === 'content-length-range') {
        if (file.length < Number(target))
          throw new PolicyRefusal(
            400,
            'EntityTooSmall',
            'Your proposed upload is smaller than the minimum allowed size',
          );
        if (file.length > Number(value))
          throw new PolicyRefusal(
            400,
            'EntityTooLarge',
            'Your proposed upload exceeds the maximum allowed size',
          );
        void upper;
        continue;
      }
      const name = String(target).replace(/^\$/, '').toLowerCase();
      covered.add(name);
      const actual = fieldValue(name) ?? '';
      const ok =
        operator === 'eq'
          ? actual === String(value)
          : operator === 'starts-with'
            ? actual.startsWith(String(value))
            : false;
      if (!ok)
        throw new PolicyRefusal(
          403,
          'AccessDenied',
          `Invalid according to Policy: Policy Condition failed: ["${operator}", "$${name}", "${value}"]`,
        );
    } else {
      for (const [name, value] of Object.entries(condition)) {
        covered.add(name.toLowerCase());
        if (fieldValue(name.toLowerCase()) !== value) {
          throw new PolicyRefusal(
            403,
            'AccessDenied',
            `Invalid according to Policy: Policy Condition failed: ["eq", "$${name}", "${value}"]`,
          );
        }
      }
    }
  }
  const extra = [...fields.keys()].filter((name) => !covered.has(name) && !name.startsWith('x-ignore-'));
  if (extra.length > 0)
    throw new PolicyRefusal(
      403,
      'AccessDenied',
      `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`,
    );
  const key = field('key');
  if (!key) throw new PolicyRefusal(400, 'InvalidArgument', "Bucket POST must contain a field named 'key'.");
  const metadata: Record<string, string> = {};
  for (const [name, value] of fields)
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  const contentType = field('content-type');
  const redirect = field('success_action_redirect');
  return { key, metadata, file, ...(contentType ? { contentType } : {}), ...(redirect ? { redirect } : {}) };
}

export async function startUploadCheck(options: UploadCheckOptions): Promise<UploadCheck> {
  const target = new URL(options.s3Endpoint);
  const clock = options.clock ?? (() => new Date());
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    const isFormPost =
      request.method === 'POST' &&
      (path === `/${options.bucket}` || path === `/${options.bucket}/`) &&
      (request.headers['content-type'] ?? '').startsWith('multipart/form-data');
    if (!isFormPost) return forward(request, response, target);
    handlePost(request, response).catch((error: unknown) => {
      const refusal =
        error instanceof PolicyRefusal ? error : new PolicyRefusal(500, 'InternalError', String(error));
      if (!response.headersSent) response.writeHead(refusal.status, { 'content-type': 'application/xml' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${xmlEscape(refusal.message)}</Message></Error>`,
      );
    });
  });

  const handlePost = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readAll(request);
    const form = await new Request('http://local/', {
      method: 'POST',
      headers: { 'content-type': request.headers['content-type'] as string },
      body,
    }).formData();
    const fields = new Map<string, string>();
    let file: Buffer | undefined;
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields.set(name.toLowerCase(), value);
      else if (name.toLowerCase() === 'file') file = Buffer.from(await value.arrayBuffer());
    }
    const checked = checkPostPolicy(fields, file, {
      bucket: options.bucket,
      ...options.credentials,
      now: clock(),
    });
    const stored = await options.s3.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: checked.key,
        Body: checked.file,
        Metadata: checked.metadata,
        ...(checked.contentType ? { ContentType: checked.contentType } : {}),
      }),
    );
    if (checked.redirect) {
      const location = new URL(checked.redirect);
      location.searchParams.set('bucket', options.bucket);
      location.searchParams.set('key', checked.key);
      location.searchParams.set('etag', stored.ETag ?? '');
      response.writeHead(303, { location: location.href });
      response.end();
    } else {
      response.writeHead(204);
      response.end();
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Passes a request to s3rver as it came, Host header included, so signed links still verify there. */
function forward(request: IncomingMessage, response: ServerResponse, target: URL): void {
  const upstream = httpRequest(
    {
      hostname: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  });
  request.pipe(upstream);
}

function readAll(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        request.destroy();
        reject(
          new PolicyRefusal(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'),
        );
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
