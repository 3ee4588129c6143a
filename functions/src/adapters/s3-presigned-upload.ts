/**
 * The UploadForms port on S3: a presigned POST, so the browser sends the file
 * straight to the bucket (the upload cap is above the 6 MB a Lambda request may
 * carry). The server chooses everything the policy pins: the exact key, the
 * size range (at least one byte, at most the cap), the content type, the
 * uploader's metadata and where S3 redirects after; the form works only until
 * it expires. A form edited in the browser (another site's key, a bigger file)
 * no longer matches its signed policy, and S3 refuses it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { UploadForm, UploadFormRequest, UploadForms } from '../portal/ports.js';

export class S3PresignedUploads implements UploadForms {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(request: UploadFormRequest): Promise<UploadForm> {
    const fields = {
      'Content-Type': request.contentType,
      success_action_redirect: request.redirectTo,
      // Metadata values must be ASCII in S3; the portal passes the uploader's sign-in name.
      'x-amz-meta-uploaded-by': asciiOnly(request.uploadedBy),
    };
    const post = await createPresignedPost(this.s3, {
      Bucket: this.bucket,
      Key: request.key,
      Expires: request.expiresInSeconds,
      Fields: fields,
      Conditions: [
        { bucket: this.bucket },
        ['eq', '$key', request.key],
        ['content-length-range', 1, request.maxBytes],
        ...Object.entries(fields).map(([name, value]) => ['eq', `$${name}`, value] as ['eq', string, string]),
      ],
    });
    return {
      url: post.url,
      fields: post.fields,
      expiresAt: new Date(this.clock().getTime() + request.expiresInSeconds * 1000).toISOString(),
    };
  }
}

function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
