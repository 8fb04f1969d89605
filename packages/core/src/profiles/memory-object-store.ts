import { randomBytes } from 'node:crypto';
import type { ObjectStore, PutOptions, StoredObject } from './object-store.js';

/** One object as the memory store keeps it. */
export interface MemoryObject extends StoredObject {
  secret: boolean;
}

/** An ObjectStore in memory with S3's conditional-write semantics: for tests of the logic above the adapter. */
export class MemoryObjectStore implements ObjectStore {
  readonly location: string;
  readonly url: string;
  readonly objects = new Map<string, MemoryObject>();

  constructor(location = 'memory://test') {
    this.location = location;
    this.url = location;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const o = this.objects.get(key);
    return o && { body: o.body, etag: o.etag };
  }

  async putIfAbsent(key: string, body: string, options?: PutOptions): Promise<string | undefined> {
    if (this.objects.has(key)) return undefined;
    return this.set(key, body, options);
  }

  async putIfMatch(key: string, body: string, etag: string, options?: PutOptions): Promise<string | undefined> {
    if (this.objects.get(key)?.etag !== etag) return undefined;
    return this.set(key, body, options);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  private set(key: string, body: string, { secret = false }: PutOptions = {}): string {
    const etag = `"${randomBytes(8).toString('hex')}"`;
    this.objects.set(key, { body, etag, secret });
    return etag;
  }
}
