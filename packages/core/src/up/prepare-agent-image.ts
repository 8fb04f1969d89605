import type { XPreevy } from '../compose/x-preevy-schema.js';
import { ensureImage, type EnsuredImage, type ImageContext } from '../images/ensure-image.js';
import type { UpContext } from './up-context.js';

export const DEFAULT_AGENT_BASE_IMAGE = 'node:20-bookworm-slim';

/** Step "agent image": built on the host once per content (an unchanged one costs one `docker image inspect`). */
export const prepareAgentImage = (
  { request, run, progress }: UpContext,
  config: XPreevy,
  context: ImageContext | Promise<ImageContext>,
  dockerHost: string | undefined,
): Promise<EnsuredImage> =>
  progress.step('Preparing the agent image', async () =>
    ensureImage({
      repository: 'preevy/agent',
      context: await context,
      buildArgs: { BASE_IMAGE: request.agentBaseImage ?? config.agent?.baseImage ?? DEFAULT_AGENT_BASE_IMAGE },
      dockerHost,
      run,
    }),
  );
