import type { z } from 'zod';
import type { DestinationProtocol } from '../../../shared/src/protocol.js';

/** A destination as stored on the server, stream key included (it never leaves the server). */
export type Destination = {
  id: string;
  name: string;
  protocol: z.infer<typeof DestinationProtocol>;
  url: string;
  streamKey?: string;
  enabled: boolean;
};
