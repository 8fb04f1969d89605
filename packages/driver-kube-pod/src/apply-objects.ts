import { ApiException, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { throwIfAborted } from './interrupted.js';
import { apiServerOf, apiStatusOf, isNotFound, kubeError } from './kube-errors.js';
import { describeObject, isUnchanged, prepareObject, type ObjectRef, type PreparedObject, type PrepareOptions } from './prepare-objects.js';

/** The field manager of every write: server-side apply reports conflicts with other managers by it. */
export const FIELD_MANAGER = 'preevy';

export interface ApplyOptions extends PrepareOptions {
  /** Server-side apply (conflicts with other managers fail); false: create, or replace what exists. */
  serverSideApply: boolean;
  /** Checked before each object: an interrupted apply stops between objects, never inside one. */
  signal?: AbortSignal | undefined;
}

export type ApplyAction = 'created' | 'updated' | 'unchanged';

export interface AppliedObject extends ObjectRef {
  action: ApplyAction;
}

const isAlreadyExists = (err: unknown): boolean => err instanceof ApiException && apiStatusOf((err as ApiException<unknown>).body)?.reason === 'AlreadyExists';

/**
 * Applies rendered objects in the driver's namespace, in template order, each labelled with the
 * environment's labels and annotated with the template hash. An object whose live copy already
 * carries that hash (see isUnchanged) is skipped. Returns every object of the template with what
 * was done, so the env record keeps all kinds for `down`.
 */
export const applyObjects = async (kc: KubeConfig, objects: readonly KubernetesObject[], options: ApplyOptions): Promise<AppliedObject[]> => {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const server = apiServerOf(kc);
  // Prepared up front, so an invalid object fails before anything is written.
  const prepared = objects.map((o) => prepareObject(o, options));
  const applied: AppliedObject[] = [];
  for (const object of prepared) {
    const what = describeObject(object);
    throwIfAborted(options.signal, `applying ${what}`);
    const fail = (verb: string) => (e: unknown) => {
      throw kubeError(e, `${verb} ${what}`, { server });
    };
    const live = await client.read(header(object)).catch((e: unknown) => (isNotFound(e) ? undefined : fail('reading')(e)));
    const ref = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
    if (isUnchanged(live, object)) {
      applied.push({ ...ref, action: 'unchanged' });
      continue;
    }
    if (options.serverSideApply) {
      // force false: a field someone else manages is a conflict to report, not to take over.
      await client.patch(object, undefined, undefined, FIELD_MANAGER, false, PatchStrategy.ServerSideApply).catch(fail('applying'));
    } else if (live === undefined) {
      await client.create(object, undefined, undefined, FIELD_MANAGER).catch(async (e: unknown) => {
        if (!isAlreadyExists(e)) return fail('creating')(e);
        // created meanwhile by another run: replace it like any existing object
        return replace(client, object, await client.read(header(object)).catch(fail('reading'))).catch(fail('replacing'));
      });
    } else {
      await replace(client, object, live).catch(fail('replacing'));
    }
    applied.push({ ...ref, action: live === undefined ? 'created' : 'updated' });
  }
  return applied;
};

const header = (o: PreparedObject) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });

/** The template is the whole truth: replace, guarded by the live resourceVersion against a concurrent writer. */
const replace = (client: KubernetesObjectApi, object: PreparedObject, live: KubernetesObject) => {
  const resourceVersion = live.metadata?.resourceVersion;
  return client.replace({ ...object, metadata: { ...object.metadata, ...(resourceVersion !== undefined && { resourceVersion }) } }, undefined, undefined, FIELD_MANAGER);
};
