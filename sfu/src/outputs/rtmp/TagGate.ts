// Which tags go out when the server reads slower than we send. Left alone, Node's
// socket queue — our memory, and the delay every viewer sees — would grow without
// end; instead whole video frames are dropped, and then everything up to the next
// keyframe: a decoder given a frame whose reference was dropped shows corruption until
// the next keyframe anyway. Audio is a few percent of the bytes: dropped only when
// dropping video did not help. Codec configuration and metadata always go.
import { FLV_AUDIO, FLV_VIDEO, isKeyframe, isSequenceHeader, type FlvTag } from './FlvReader.js';

export class TagGate {
  /** Video waits for a keyframe: at the start of a session, and after any dropped frame. */
  #needKeyframe = true;
  droppedTags = 0;
  droppedBytes = 0;

  constructor(readonly maxQueuedBytes: number) {}

  /** Should this tag be sent, with this many bytes already queued? Counts it if not. */
  admit(tag: FlvTag, queuedBytes: number): boolean {
    if (tag.type !== FLV_VIDEO && tag.type !== FLV_AUDIO) return true;
    if (isSequenceHeader(tag)) return true;
    const over = queuedBytes > this.maxQueuedBytes;
    if (tag.type === FLV_VIDEO) {
      if (over) this.#needKeyframe = true;
      if (this.#needKeyframe && (over || !isKeyframe(tag))) return this.drop(tag);
      this.#needKeyframe = false;
      return true;
    }
    return queuedBytes > 2 * this.maxQueuedBytes ? this.drop(tag) : true;
  }

  drop(tag: FlvTag): false {
    this.droppedTags++;
    this.droppedBytes += tag.payload.length;
    return false;
  }
}
