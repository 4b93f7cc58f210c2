// The show's output format: what every destination receives. The defaults follow
// what YouTube, Twitch and Facebook document for live ingest: H.264 (High, CBR),
// 2 s keyframe interval, AAC-LC 48 kHz stereo, 720p30 at a bitrate all three accept.
export type OutputFormat = {
  width: number;
  height: number;
  fps: number;
  videoBitrateKbps: number;
  keyframeSeconds: number;
  audioBitrateKbps: number;
};

export const DEFAULT_FORMAT: OutputFormat = {
  width: 1280,
  height: 720,
  fps: 30,
  videoBitrateKbps: 3000,
  keyframeSeconds: 2,
  audioBitrateKbps: 128,
};
