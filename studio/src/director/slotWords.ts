// One word, one meaning: "live" is a destination's word (the platform takes the program);
// a camera whose media arrives is "sending", and the one on air says so in red. Every
// place that names a camera slot's state (its tile, the slot list) takes it from here.
import type { SlotView } from '../../../shared/src/protocol';

export const STATE_LABEL: Record<SlotView['state'], string> = {
  waiting: 'waiting for camera',
  connecting: 'connecting',
  live: 'sending',
  stalled: 'no signal',
  paused: 'paused',
  reconnecting: 'reconnecting',
  offline: 'offline',
};
