import { describe, expect, it } from 'vitest';
import { PreevyError } from '../errors/index.js';
import { isProfileStoreUrl, parseProfileStoreUrl } from './profile-store-url.js';

describe('parseProfileStoreUrl', () => {
  it('should read bucket, prefix, region and endpoint into a canonical URL', () => {
    expect(parseProfileStoreUrl('s3://my-bucket/preevy/team/?region=eu-west-1')).toEqual({ scheme: 's3', bucket: 'my-bucket', prefix: 'preevy/team', region: 'eu-west-1', url: 's3://my-bucket/preevy/team?region=eu-west-1' });
    expect(parseProfileStoreUrl('s3://b-1/p?endpoint=http://127.0.0.1:9000/')).toMatchObject({ endpoint: 'http://127.0.0.1:9000', url: 's3://b-1/p?endpoint=http://127.0.0.1:9000' });
    expect(parseProfileStoreUrl('s3://bucket')).toMatchObject({ prefix: '', url: 's3://bucket' });
  });

  it.each([
    ['gs://b/p', /scheme gs: is not supported/],
    ['s3://AK:SECRET@b/p', /credentials do not belong/],
    ['s3://B_/p', /not a valid bucket name/],
    ['s3://b1/p?foo=1', /unknown parameter foo/],
    ['s3://b1/a//b', /not a usable key prefix/],
    ['s3://b1/p?endpoint=ftp://x', /endpoint "ftp:\/\/x"/],
  ])('should refuse %s', (url, message) => {
    let err: unknown;
    try {
      parseProfileStoreUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PreevyError);
    expect(err).toMatchObject({ code: 'PROFILE_STORE_URL_INVALID', message });
    // Never echo a secret back: the message names the problem, not the credentials.
    expect((err as Error).message).not.toContain('SECRET');
  });

  it('should tell URLs from profile names', () => {
    expect(isProfileStoreUrl('s3://b/p')).toBe(true);
    expect(isProfileStoreUrl('team')).toBe(false);
  });
});
