import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore, PutOptions, S3ProfileLocation, StoredObject } from '@preevy/core';
import { s3Error } from './s3-errors.js';

/** What the adapter sends requests with; tests pass a client of their own. */
export interface S3ObjectStoreOptions {
  location: S3ProfileLocation;
  client?: S3Client;
}

// An endpoint without a region (a local S3-compatible store) needs some region to sign with.
const ENDPOINT_DEFAULT_REGION = 'us-east-1';

/** A client for the location; credentials come only from the AWS SDK's default chain, never from the URL or a profile. */
export const s3ClientFor = (location: S3ProfileLocation): S3Client =>
  new S3Client({
    ...(location.region ? { region: location.region } : location.endpoint ? { region: ENDPOINT_DEFAULT_REGION } : {}),
    // S3-compatible stores rarely serve virtual-hosted bucket names: address them path-style.
    ...(location.endpoint ? { endpoint: location.endpoint, forcePathStyle: true } : {}),
    maxAttempts: 3,
    // An unreachable endpoint fails in seconds, not after the OS's TCP timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });

const CONFLICT_CODES = new Set(['PreconditionFailed', 'ConditionalRequestConflict']);
const isConflict = (err: unknown): boolean => CONFLICT_CODES.has((err as { name?: string }).name ?? '') || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412;
const isMissingKey = (err: unknown): boolean => ['NoSuchKey', 'NotFound'].includes((err as { name?: string }).name ?? '');

/**
 * The S3 side of a remote profile: conditional writes with `If-None-Match: *` and `If-Match`,
 * secrets written with server-side encryption requested. SDK errors become PreevyErrors here.
 */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  readonly url: string;
  private readonly bucket: string;
  private readonly base: string;
  private readonly client: S3Client;

  constructor({ location, client = s3ClientFor(location) }: S3ObjectStoreOptions) {
    this.bucket = location.bucket;
    this.base = location.prefix ? `${location.prefix}/` : '';
    this.location = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
    this.url = location.url;
    this.client = client;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.base + key }));
      return { body: (await res.Body?.transformToString('utf8')) ?? '', etag: res.ETag ?? '' };
    } catch (err) {
      if (isMissingKey(err)) return undefined;
      throw s3Error(err, this.location);
    }
  }

  async putIfAbsent(key: string, body: string, options?: PutOptions): Promise<string | undefined> {
    return this.put(key, body, { IfNoneMatch: '*' }, options);
  }

  async putIfMatch(key: string, body: string, etag: string, options?: PutOptions): Promise<string | undefined> {
    return this.put(key, body, { IfMatch: etag }, options);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.base + key }));
    } catch (err) {
      if (isMissingKey(err)) return;
      throw s3Error(err, this.location);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.base + prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.base.length));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw s3Error(err, this.location);
    }
    return keys.sort();
  }

  private async put(key: string, body: string, condition: { IfNoneMatch: string } | { IfMatch: string }, { secret = false }: PutOptions = {}): Promise<string | undefined> {
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.base + key,
          Body: body,
          ContentType: key.endsWith('.json') ? 'application/json' : 'text/plain',
          ...condition,
          ...(secret ? { ServerSideEncryption: 'AES256' as const } : {}),
        }),
      );
      return res.ETag ?? '';
    } catch (err) {
      // The condition failed: another writer got there first (or the object vanished under If-Match).
      if (isConflict(err) || ('IfMatch' in condition && isMissingKey(err))) return undefined;
      throw s3Error(err, this.location);
    }
  }
}
