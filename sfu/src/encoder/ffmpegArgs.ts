// ffmpeg command lines for the program encode, kept apart so they can be read (and
// tested) as the recipe they are.
import type { types } from 'mediasoup';
import type { OutputFormat } from '../outputFormat.js';

type Media = { port: number; rtp: types.RtpParameters };

/**
 * An SDP that tells ffmpeg where the program's RTP arrives and what it carries.
 * Audio is described first, and that order matters: ffmpeg reads its RTP sockets in
 * the SDP's order and takes the first that has a packet. With video first, an encoder
 * that falls behind (a busy machine) always finds video waiting and never reads audio:
 * its socket overflows, every audio packet is lost, the muxer waits for audio and the
 * encoder's output stops (measured: 8.4 s without output, audio all dropped, on one
 * shared core). Audio first costs video nothing: it is 100 small packets a second.
 */
export function programSdp({ video, audio }: { video: Media; audio: Media }): string {
  const block = (kind: 'video' | 'audio', m: Media) => {
    const codec = m.rtp.codecs[0]!;
    const [, name] = codec.mimeType.split('/');
    const fmtp = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${v}`).join(';');
    return [
      `m=${kind} ${m.port} RTP/AVP ${codec.payloadType}`,
      `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`,
      ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
      `a=rtcp:${m.port + 1}`,
      'a=recvonly',
    ];
  };
  return [
    'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=Regie program', 'c=IN IP4 127.0.0.1', 't=0 0',
    ...block('audio', audio), ...block('video', video), '',
  ].join('\r\n');
}

/** The one encode: RTP in (SDP on stdin), MPEG-TS out on stdout. */
export function encoderArgs(f: OutputFormat, tsOffsetSeconds: number): string[] {
  const gop = f.fps * f.keyframeSeconds;
  const kbps = f.videoBitrateKbps;
  return [
    '-hide_banner', '-loglevel', 'warning', '-nostats',
    // -fpsprobesize 0: the input's frame rate is not measured (the fps filter sets the
    // output's): ffmpeg otherwise reads 20 frames first, 2 s of the 10 fps slate, before
    // the first encoded byte (measured: first output 3.0 s → 1.0 s after start).
    // -flags low_delay: the decoder works a frame at a time (its frame threads held two
    // frames back on two cores: 50 ms of glass-to-glass, measured).
    '-protocol_whitelist', 'pipe,udp,rtp', '-f', 'sdp', '-reorder_queue_size', '100', '-fpsprobesize', '0', '-flags', 'low_delay', '-i', 'pipe:0',
    '-map', '0:v:0', '-map', '0:a:0',
    // Any source size in, the show's size out; a steady frame rate whatever arrives
    // (set at the output: the fps filter held each frame until the next one came).
    '-vf', `scale=${f.width}:${f.height}:force_original_aspect_ratio=decrease,pad=${f.width}:${f.height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`,
    // Each picture goes to the output frame nearest its time. ffmpeg 5.1 (fftools,
    // do_video_out) drops a picture that comes more than a threshold behind the next
    // output frame, and repeats one when the next is more than about a frame late; the
    // picture's own length counts in the first test, and here it is 0 (an RTP input
    // with no frame rate read: -fpsprobesize 0). At the default (-1.1) a picture could
    // thus lag its frame by up to a frame, and a lag taken at the start (the input's
    // times settling) stayed for the whole show, the picture behind its sound: A/V
    // bench through the mixer, sound 21-29 ms early (p50, four runs) where the mixer
    // itself sends it about 35 ms late. At 0.5 pictures went half a frame to a frame
    // early instead (+10 to +43 ms, three runs). At -0.5 a picture is at most half a
    // frame late, and at most about one early. No picture is held for it.
    '-fps_mode', 'cfr', '-r', String(f.fps), '-frame_drop_threshold', '-0.5',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-level', '4.1',
    '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-x264-params', 'nal-hrd=cbr:force-cfr=1',
    // Fill audio gaps (a camera with its mic muted, DTX) so audio never drifts from video.
    '-af', 'aresample=async=1000:first_pts=0',
    '-c:a', 'aac', '-b:a', `${f.audioBitrateKbps}k`, '-ar', '48000', '-ac', '2',
    // A restarted encoder carries on the same timeline: destinations see no jump back.
    '-output_ts_offset', tsOffsetSeconds.toFixed(3),
    // Each picture's length written in its PES header: a reader of the stream (every
    // destination's remux) then has a picture when its last byte comes, not when the
    // next one starts.
    '-f', 'mpegts', '-omit_video_pes_length', '0', '-muxdelay', '0', '-flush_packets', '1', 'pipe:1',
  ];
}
