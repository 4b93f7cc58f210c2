// What a receiver needs before the first frame it can use: the stream's metadata
// (onMetaData) and each codec's configuration (AVC sequence header, AAC
// AudioSpecificConfig). ffmpeg writes them once, at the start of its output; a
// publisher that connects later — or connects again after a drop while the same
// ffmpeg keeps running — must send them first, or the platform cannot decode a thing.
import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, isSequenceHeader, type FlvTag } from './FlvReader.js';

export class FlvPrologue {
  #metadata?: FlvTag;
  #video?: FlvTag;
  #audio?: FlvTag;

  /** Remember the tag if it is part of the prologue; true if it was. */
  note(tag: FlvTag): boolean {
    if (tag.type === FLV_SCRIPT) this.#metadata = tag;
    else if (isSequenceHeader(tag) && tag.type === FLV_VIDEO) this.#video = tag;
    else if (isSequenceHeader(tag) && tag.type === FLV_AUDIO) this.#audio = tag;
    else return false;
    return true;
  }

  /** In the order a receiver wants them: metadata, then video and audio configuration. */
  tags(): FlvTag[] {
    return [this.#metadata, this.#video, this.#audio].filter((t): t is FlvTag => t !== undefined);
  }
}
