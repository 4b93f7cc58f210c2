// What a WeriftFleet and its processes say to each other over IPC.
import type { WhipSource } from '../../../testkit/whipCamera.js';

/** Each request, and what its reply carries. */
export type FleetOps = {
  play: { req: { endpoint: string; key?: string }; res: void };
  publish: { req: { endpoint: string; token: string; source: WhipSource }; res: void };
  /** the video frames each of this process's players has received so far, and when that was read */
  received: { req: Record<string, never>; res: { at: number; frames: number[] } };
  close: { req: Record<string, never>; res: void };
};
export type FleetOp = keyof FleetOps;

export type FleetRequest = { [K in FleetOp]: { id: number; op: K } & FleetOps[K]['req'] }[FleetOp];
export type FleetReply = { id: number } & ({ ok: true; data: unknown } | { ok: false; error: string });
