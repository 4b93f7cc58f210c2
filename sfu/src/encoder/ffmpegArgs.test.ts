import { describe, expect, it } from 'vitest';
import { encoderArgs, programSdp } from './ffmpegArgs.js';
import { DEFAULT_FORMAT } from '../outputFormat.js';

describe('program encode recipe', () => {
  it('is CBR H.264 with a fixed keyframe interval and AAC 48 kHz stereo, at the show size', () => {
    const a = encoderArgs(DEFAULT_FORMAT, 0).join(' ');
    expect(a).toContain('-c:v libx264');
    expect(a).toContain('-b:v 3000k -minrate 3000k -maxrate 3000k');
    expect(a).toContain('-g 60 -keyint_min 60 -sc_threshold 0');
    expect(a).toContain('nal-hrd=cbr');
    expect(a).toContain('scale=1280:720');
    expect(a).toContain('-fps_mode cfr -r 30');
    expect(a).toContain('-c:a aac -b:a 128k -ar 48000 -ac 2');
  });

  it('starts encoding without measuring the input frame rate first (the output\'s is fixed)', () => {
    const a = encoderArgs(DEFAULT_FORMAT, 0);
    expect(a.indexOf('-fpsprobesize')).toBeLessThan(a.indexOf('-i'));
    expect(a[a.indexOf('-fpsprobesize') + 1]).toBe('0');
  });

  it('holds no frame back: one decoded at a time, the rate set at the output, each picture\'s length in its PES header', () => {
    const a = encoderArgs(DEFAULT_FORMAT, 0);
    expect(a.indexOf('low_delay')).toBeLessThan(a.indexOf('-i'));
    expect(a.join(' ')).not.toMatch(/fps=\d/); // the fps filter waits for the next frame
    expect(a[a.indexOf('-omit_video_pes_length') + 1]).toBe('0');
  });

  it('carries a restarted encode on the same timeline', () => {
    expect(encoderArgs(DEFAULT_FORMAT, 12.5).join(' ')).toContain('-output_ts_offset 12.500');
  });

  it('describes the program RTP in an SDP ffmpeg can read', () => {
    const sdp = programSdp({
      video: { port: 20000, rtp: { codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1 } }] } },
      audio: { port: 20002, rtp: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] } },
    });
    expect(sdp).toContain('m=video 20000 RTP/AVP 102\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1');
    expect(sdp).toContain('m=audio 20002 RTP/AVP 100\r\na=rtpmap:100 opus/48000/2');
    expect(sdp).toContain('a=rtcp:20003');
  });

  it('lists audio before video, so an encoder that falls behind still reads its audio', () => {
    const sdp = programSdp({
      video: { port: 20000, rtp: { codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000 }] } },
      audio: { port: 20002, rtp: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] } },
    });
    expect(sdp.indexOf('m=audio')).toBeGreaterThan(0);
    expect(sdp.indexOf('m=audio')).toBeLessThan(sdp.indexOf('m=video'));
  });
});
