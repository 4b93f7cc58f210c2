import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scrubSecrets, shownUrl } from './Destination.js';
import { rtmpRemuxArgs, rtmpTarget } from './links/RtmpLink.js';
import { srtArgs } from './links/SrtLink.js';
import { LinkFeed, ProgramGop } from './ProgramGop.js';
import { programTs } from './programTs.fixture.js';

const RTMP_REMUX_ARGS = rtmpRemuxArgs();

describe('the remux of each destination', () => {
  it('RTMP(S): ffmpeg only remuxes to FLV on its stdout — no URL and no stream key in its command line', () => {
    expect(RTMP_REMUX_ARGS).toContain('copy');
    expect(RTMP_REMUX_ARGS).not.toContain('libx264');
    expect(RTMP_REMUX_ARGS.slice(-3)).toEqual(['-f', 'flv', 'pipe:1']);
    expect(RTMP_REMUX_ARGS.join(' ')).not.toMatch(/rtmps?:/);
  });

  it('RTMP: the stream key as stored, or the URL\'s last path element when the URL carries it', () => {
    expect(rtmpTarget({ url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: 'abcd-1234' })).toEqual({ url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: 'abcd-1234' });
    expect(rtmpTarget({ url: 'rtmp://127.0.0.1:1935/live/regie-1-0' })).toEqual({ url: 'rtmp://127.0.0.1:1935/live', streamKey: 'regie-1-0' });
    expect(rtmpTarget({ url: 'rtmp://h/app' })).toEqual({ url: 'rtmp://h/app', streamKey: '' });
  });

  it('a link that joins mid-group waits for the next keyframe: its remux, with a 1 s probe, knows the picture', () => {
    // Keyframes 4 s apart (the longest REGIE_KEYFRAME_SECONDS); the link joins 0.5 s
    // after one, with no group kept (as when a group is too large to keep).
    const ts = programTs(9, 120);
    const joinAt = Math.floor((ts.length * 0.5) / 9 / 188) * 188;
    const flvVideo = (input: Buffer) => {
      const remux = spawnSync('ffmpeg', RTMP_REMUX_ARGS, { input, maxBuffer: 64 * 1024 * 1024 });
      const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-f', 'flv', '-i', 'pipe:0'], { input: remux.stdout });
      return probe.stdout.toString().trim();
    };
    // Read from where it joined, a 1 s probe gives up before the keyframe: no picture.
    expect(flvVideo(ts.subarray(joinAt))).toBe('');
    const gop = new ProgramGop();
    gop.push(ts.subarray(0, joinAt)); // what went before the link
    gop.reset(); // ... of which nothing is kept
    const feed = new LinkFeed(() => gop.snapshot());
    const sent = [feed.start()];
    for (let at = joinAt; at < ts.length; at += 188 * 50) sent.push(feed.next(gop.push(ts.subarray(at, Math.min(ts.length, at + 188 * 50)))));
    expect(flvVideo(Buffer.concat(sent))).toBe('320,180');
  });

  it('SRT: MPEG-TS with the key as streamid', () => {
    const args = srtArgs({ id: 'a', name: 'SRT', protocol: 'srt', url: 'srt://ingest.example:9000?latency=200000', streamKey: 'k1', enabled: true });
    expect(args.at(-1)).toBe('srt://ingest.example:9000?latency=200000&mode=caller&streamid=k1');
    expect(args).toEqual(expect.arrayContaining(['-f', 'mpegts']));
  });
});

describe('what an output may open', () => {
  it('opens only its own protocol: never a local file, whatever the URL says', () => {
    const at = (args: string[]) => args[args.indexOf('-protocol_whitelist') + 1];
    expect(at(RTMP_REMUX_ARGS)).toBe('pipe');
    const srt = srtArgs({ id: 'a', name: 'x', protocol: 'srt', url: 'srt://h:1', enabled: true });
    expect(at(srt)).toBe('srt');
    // The whitelist applies to the output: it comes after the input and before the URL.
    for (const args of [RTMP_REMUX_ARGS, srt]) expect(args.indexOf('-protocol_whitelist')).toBeGreaterThan(args.indexOf('pipe:0'));
  });

  it('calls an SRT platform, never listens', () => {
    const args = srtArgs({ id: 'a', name: 'x', protocol: 'srt', url: 'srt://h:1?mode=listener', enabled: true });
    expect(new URL(args.at(-1)!).searchParams.getAll('mode')).toEqual(['caller']);
  });
});

describe('secrets of a destination', () => {
  const d = { url: 'rtmp://user:p%40ss@h.example/app?passphrase=hush-hush', streamKey: 'k3y/with#odd&chars' };

  it('are hidden in any encoding a log line or an error may carry', () => {
    const text = `failed rtmp://h.example/app/k3y/with#odd&chars srt://h?streamid=${encodeURIComponent(d.streamKey)} ` +
      `q=${new URLSearchParams({ s: d.streamKey }).toString().slice(2)} user p@ss hush-hush`;
    const scrubbed = scrubSecrets(text, d);
    for (const s of ['k3y', 'p@ss', 'p%40ss', 'hush-hush', encodeURIComponent(d.streamKey)]) expect(scrubbed).not.toContain(s);
  });

  it('never reach the director\'s page in the URL', () => {
    const shown = shownUrl('srt://u:pw@h.example:9000?streamid=abc&passphrase=longsecret&latency=200');
    expect(shown).not.toMatch(/pw|abc|longsecret/);
    expect(shown).toContain('latency=200');
    expect(shownUrl('rtmp://a.rtmp.youtube.com/live2')).toBe('rtmp://a.rtmp.youtube.com/live2');
  });
});
