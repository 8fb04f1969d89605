import { DEFAULT_AGENT_BASE_IMAGE } from '@preevy/tunnel-protocol';
import type { XPreevy } from '../compose/x-preevy-schema.js';
import { ensureImage, type EnsuredImage, type ImageContext } from '../images/ensure-image.js';
import type { UpContext } from './up-context.js';

/**
 * Step "agent image": x-preevy's `agent.image` as it is (the host pulls it if it must), unless a
 * base image is given by flag; else built on `dockerHost`'s engine once per content (an unchanged
 * one costs one `docker image inspect`). `ensured` says which of the two.
 */
export const prepareAgentImage = (
  { request, run, progress }: UpContext,
  config: XPreevy,
  context: ImageContext | Promise<ImageContext>,
  dockerHost: string | undefined,
): Promise<Pick<EnsuredImage, 'tag'> & { ensured: boolean }> =>
  config.agent?.image && !request.agentBaseImage ? Promise.resolve({ tag: config.agent.image, ensured: false }) : progress.step('Preparing the agent image', async () => ({
    ensured: true,
    ...(await ensureImage({
      repository: 'preevy/agent',
      context: await context,
      buildArgs: { BASE_IMAGE: request.agentBaseImage ?? config.agent?.baseImage ?? DEFAULT_AGENT_BASE_IMAGE },
      dockerHost,
      run,
    })),
  }));
