// The bench's report: the tables (printed, and in Markdown) and SVG charts beside the
// JSON of raw samples.
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { BenchResults } from '../catalog.js';
import { cpuGroupsAvailable } from '../../testkit/cpuGroup.js';
import { barChart, stripChart } from './charts.js';
import { summarize, type Summary } from './stats.js';

const ms = (v?: number) => (v === undefined ? '—' : `${Math.round(v)} ms`);
const num = (v: number | undefined, d = 1) => (v === undefined ? '—' : v.toFixed(d));
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
const dist = (name: string, s: Summary) => [name, s.n, ms(s.p50), ms(s.p95), ms(s.min), ms(s.max)];
const DIST_HEAD = ['', 'n', 'p50', 'p95', 'min', 'max'];
/** How the bench's browsers were kept from the studio's CPU (testkit/browser.ts, `apart`). */
const APART = cpuGroupsAvailable()
  ? 'in a CPU group of its own (all its processes together weigh as one ordinary process when the two cores are contended; Chromium raises its own threads to nice −8, which nice alone cannot undo)'
  : 'at nice 19 (not allowed to make CPU groups here; run as root, Chromium would raise its threads back to −8)';

export function writeReport(r: BenchResults, base: string): { text: string } {
  const out: string[] = [];
  const m = r.machine;
  out.push(`# Régie bench — ${r.date.slice(0, 10)}${r.quick ? ' (quick: a few samples each, not for conclusions)' : ''}`);
  out.push(`Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}. Everything on loopback inside a private network namespace; real Chromium cameras (canvas cameras at 640x360 unless said, in a browser of their own: they stand in for phones, which are other machines in a real show, as the director's browser stands in for a laptop; each browser runs ${APART}), the real server, real ffmpeg, nginx-rtmp receivers. Took ${r.durationSeconds} s.`);
  if (r.speed?.length) {
    out.push(`Machine speed, a fixed x264 encode (veryfast, 720p, one thread) in frames per CPU second — higher is faster; figures that need the CPU move with it between runs: ${r.speed.map((s) => `${s.when} ${num(s.framesPerCpuSecond, 0)}`).join(', ')}.` +
      ` CPU time taken by the hypervisor (steal) while a scenario ran: ${Object.entries(r.stealPercent ?? {}).map(([k, v]) => `${k} ${num(v, 1)} %`).join(', ') || 'not read'}.`);
  }
  const charts: string[] = [];

  const lat = r.results.latency;
  if (lat) {
    const splice = lat.splice;
    out.push('## 1. Cut latency', 'Cuts to the camera in preview (seen there first, as a director cuts), then cuts to a camera the mixer was not decoding. The splice rows: the same cuts through today\'s path (the camera\'s RTP spliced into the program encoder, REGIE_MIXER=off), in a show of their own in this run.', table(DIST_HEAD, [
      dist('cut → first frame of the new camera at the RTMP receiver', lat.cuts.toReceiver),
      ...(splice ? [dist('splice (today\'s path): cut → first frame at the RTMP receiver', splice.toReceiver)] : []),
      dist('the same, minus the steady pipeline delay (receiver glass-to-glass p50)', lat.cuts.toReceiverNet),
      ...(splice ? [dist('splice (today\'s path): the same, minus its steady delay', splice.toReceiverNet)] : []),
      dist('cut (director socket) → switch at the SFU', lat.cuts.toSfu),
      dist('inside the SFU: keyframe asked → keyframe arrived (the floor)', lat.cuts.keyframeWait),
      dist('age of that first frame at the receiver (capture → decoded)', lat.cuts.firstFramePipeline),
      ...(lat.coldCuts ? [
        dist('a cut to a camera not decoded (not on air nor in preview), at the receiver minus the steady delay', lat.coldCuts.toReceiverNet),
        dist('its keyframe asked → arrived (the floor)', lat.coldCuts.keyframeWait),
      ] : []),
    ]));
    out.push('## 2. Glass-to-glass latency', 'Camera pages draw their clock into every frame; it is read back from decoded frames. Each place on its own: the receiver first (the studio open, its videos not read), then the director\'s two monitors, then each watch page.', table(DIST_HEAD, [
      dist('camera → RTMP receiver (decoded by ffmpeg)', lat.glassToGlass.receiver),
      ...(splice ? [dist('splice (today\'s path): camera → RTMP receiver', splice.receiver)] : []),
      dist('camera → director\'s multiview tile', lat.glassToGlass.multiview),
      dist('camera → director\'s program monitor', lat.glassToGlass.programMonitor),
      dist('camera → low-latency watch page (WHEP, Chromium)', lat.glassToGlass.whep),
      dist('camera → watch page (HLS, hls.js in Chromium)', lat.glassToGlass.hls),
    ]));
    const file = `${base}-latency.svg`;
    writeFileSync(file, stripChart('Latency samples (ms)', [
      { label: 'cut → receiver', values: lat.cuts.samples.map((s) => s.toReceiver) },
      { label: 'cut → SFU switch', values: lat.cuts.samples.map((s) => s.toSfu).filter((v): v is number => v !== undefined) },
      { label: 'g2g receiver', values: lat.glassToGlass.samples.receiver },
      ...(splice ? [{ label: 'g2g receiver, splice', values: splice.samples.receiver }, { label: 'cut → receiver, splice', values: splice.samples.cuts.map((c) => c.toReceiver) }] : []),
      { label: 'g2g multiview', values: lat.glassToGlass.samples.multiview },
      { label: 'g2g program monitor', values: lat.glassToGlass.samples.programMonitor },
      { label: 'g2g WHEP page', values: lat.glassToGlass.samples.whep },
      { label: 'g2g HLS page', values: lat.glassToGlass.samples.hls },
    ]));
    charts.push(`![Latency samples](${basename(file)})`);
  }

  const dest = r.results.destinations;
  if (dest) {
    out.push('## 3. Cost per destination', `Input: ${dest.input}. CPU-seconds per minute of program (100 % of one core = 60), peak memory summed over the processes; ratios to the naive way (b).`,
      table(['approach', 'destinations', 'CPU s/min', 'peak MiB', 'CPU vs naive', 'memory vs naive', 'processes', 'streams at the receiver'],
        dest.samples.map((s) => {
          const ratio = dest.ratios.find((x) => x.approach === s.approach && x.destinations === s.destinations)!;
          const name = { regie: '(a) Régie: one encode + a remux per destination', naive: '(b) one encode per destination', tee: '(c) one ffmpeg with tee' }[s.approach];
          return [name, s.destinations, num(s.cpuSecondsPerMinute), num(s.peakRssMiB, 0), num(ratio.cpu, 2), num(ratio.memory, 2), s.processes, s.receiving];
        })));
    const file = `${base}-destinations.svg`;
    const counts = [...new Set(dest.samples.map((s) => s.destinations))];
    writeFileSync(file, barChart('CPU-seconds per minute vs destinations', counts.map(String), ['regie', 'naive', 'tee'].map((a) => ({
      label: { regie: 'Régie', naive: 'naive', tee: 'tee' }[a]!, values: counts.map((c) => dest.samples.find((s) => s.approach === a && s.destinations === c)?.cpuSecondsPerMinute ?? 0),
    }))));
    charts.push(`![CPU vs destinations](${basename(file)})`);
  }

  const sc = r.results.scale;
  if (sc) {
    out.push('## 4. Scale', `720p30 cameras, multiview open, program live to 3 outputs. "Holds": the receiver got ≥ 95 % of ${sc.fps} fps. Largest count held here: **${sc.largestHeld}**.`,
      table(['cameras', 'server CPU s/min', 'server peak MiB', 'camera browsers CPU s/min', 'program fps at the receiver', 'holds', 'load (1 min)', 'encoder restarts', 'destinations live', 'slate took over'],
        sc.samples.map((s) => [s.cameras, num(s.server.cpuSecondsPerMinute), num(s.server.peakRssMiB, 0), num(s.browsers.cpuSecondsPerMinute), num(s.programFps), s.holds ? 'yes' : 'no', num(s.machineLoad1m),
          s.encoderRestarts ?? '—', s.destinationsLive ?? '—', s.slateFallbacks ?? '—'])),
      sc.stoppedAt ? `Could not add camera ${sc.stoppedAt.cameras} on this machine: ${sc.stoppedAt.reason}` : '');
  }

  const ws = r.results.whipScale;
  if (ws) {
    out.push('## 7. Scale with WHIP cameras that cost nothing to run',
      `Pre-encoded 720p30 H.264 + Opus sent as it is (no encode) by WHIP publishers (werift, spread over one process per core); multiview open (the director's browser ${APART}: another machine in a real show); program live to one receiver. ` +
      `Server CPU in % of one core; per camera: above the same show with no camera (${num(ws.baseline.cpuPercentOfACore)} %, ${num(ws.baseline.peakRssMiB, 0)} MiB). ` +
      `Goal: ≤ 2 % of a core per camera. "Holds": the receiver got ≥ 95 % of ${ws.fps} fps, every camera sent all along and the first stayed on air. Largest count held here: **${ws.largestHeld}**.`,
      table(['cameras', 'server CPU %', 'per camera %', 'server peak MiB', 'director browser CPU %', 'publishers CPU %', 'program fps', 'cameras that stalled', 'holds'],
        ws.samples.map((s) => [s.cameras, num(s.server.cpuPercentOfACore), num(s.perCameraPercent), num(s.server.peakRssMiB, 0), num(s.director.cpuPercentOfACore),
          num(s.publishers.cpuPercentOfACore), num(s.programFps), `${s.stalledCameras ? `${s.stalledCameras} (longest ${num(s.longestStallMs / 1000)} s)` : 0}${s.leftAir ? ', the first left the air' : ''}`, s.holds ? 'yes' : 'no'])),
      ws.perAddedCameraPercent !== undefined ? `One more camera (a line fitted through the counts that held): **${num(ws.perAddedCameraPercent, 2)} % of a core**.` : '',
      ws.stoppedAt ? `Could not add camera ${ws.stoppedAt.cameras} on this machine: ${ws.stoppedAt.reason}` : '');
  }

  const wv = r.results.whepViewers;
  if (wv) {
    out.push('## 8. WHEP viewers per core',
      `The 720p30 program (a pre-encoded WHIP camera on air, live to one receiver) played by WHEP players (werift, spread over one process per core, counting frames without decoding); the director's browser ${APART}. ` +
      `Server CPU in % of one core; per viewer: above the same live show with no player (${num(wv.baseline.cpuPercentOfACore)} %, ${num(wv.baseline.peakRssMiB, 0)} MiB). ` +
      `A viewer is two consumers (video, audio) on its own transport. Goal: within 2× of mediasoup's ${wv.mediasoupConsumersPerCore} consumers per core, counting each viewer as one consumer (the stricter reading): ≥ ${wv.goalViewersPerCore} viewers per core. ` +
      `"Served": players that received ≥ 95 % of ${wv.fps} fps.`,
      table(['viewers', 'server CPU %', 'per viewer %', 'viewers per core', 'server peak MiB', 'players CPU %', 'player fps min / median', 'served', 'camera'],
        wv.samples.map((s) => [s.viewers, num(s.server.cpuPercentOfACore), num(s.perViewerPercent), s.viewersPerCore ?? '— (within the noise)', num(s.server.peakRssMiB, 0),
          num(s.players.cpuPercentOfACore), `${num(s.playerFps.min)} / ${num(s.playerFps.median)}`, `${s.playersServed} / ${s.viewers}`,
          s.cameraStalledMs ? `sent nothing for ${num(s.cameraStalledMs / 1000)} s` : s.leftAir ? 'left the air' : 'on air'])),
      wv.fitted ? `Fitted through the baseline and every count whose players were served: **${num(wv.fitted.perViewerPercent, 3)} % of a core per viewer, ${wv.fitted.viewersPerCore ?? '—'} viewers per core** (goal ≥ ${wv.goalViewersPerCore}).` : '',
      wv.stoppedAt ? `Stopped at ${wv.stoppedAt.viewers} players on this machine: ${wv.stoppedAt.reason}` : '');
  }

  const mx = r.results.mixer;
  if (mx) {
    out.push('## 10. The program mixer',
      `The mixer engine (GStreamer, sfu/src/mixer/engine/) on its own, fed ${mx.format} cameras as RTP as mediasoup feeds it. ` +
      `A cut: the command sent → the first composed frame that shows the new camera (its centre pixel, read as the frame leaves the compositor); one frame is ${num(mx.frameMs)} ms.`,
      table(DIST_HEAD, [
        dist('cut command → first composed frame of the new camera', mx.cutAtMixer),
        ...(mx.cameraBack ? [dist('a camera back after 1.5 s of silence: its first packet (a keyframe) → its first composed frame (goal ≤ 1 s)', mx.cameraBack)] : []),
      ]),
      mx.slateBehind ? [
        'The slate in the compositor (a still picture sent 10 times a second, as the server sends it): how far the program\'s frames leave the compositor behind the pipeline\'s clock (each 0.25 s report\'s worst frame), with four cameras decoded and one on air. A live compositor waits for a picture from every input before each frame, up to its latency.',
        table(DIST_HEAD, [
          dist('no slate in the compositor', mx.slateBehind.without),
          dist('the slate as a plain input (how it was brought in before; now covered between its pictures like any silent input)', mx.slateBehind.plain),
          dist('the slate as a still, repeated at the program\'s rate (how it is brought in now)', mx.slateBehind.still),
          ...(mx.slateBehind.silentCamera ? [dist('no slate; a fifth camera gone silent (its last picture repeated after 50 ms of silence)', mx.slateBehind.silentCamera)] : []),
        ]),
      ].join('\n\n') : '',
      mx.cameraBack ? `A camera back: its picture changes (green on the red camera's input) so the first composed frame of it is known; a keyframe the mixer asks for meanwhile (${mx.cameraBackKeyframesAsked} times here) is answered at once by a new one, as a camera answers the server's request.` : '',
      'CPU of the program path, % of one core: today\'s splice (one camera forwarded as it is into the program encoder) against the mixer decoding 1, 2 and 4 cameras (one on air; its preview, 480 wide, composed and encoded too, as the server runs it) with the same program encoder on its output.',
      table(['path', 'cameras decoded', 'mixer %', 'program encoder %', 'total %', 'mixer peak MiB', 'composed fps'],
        mx.cpu.map((c) => [c.path, c.cameras, num(c.mixer.cpuPercentOfACore), num(c.encoder.cpuPercentOfACore), num(c.totalPercentOfACore), num(c.mixer.peakRssMiB, 0), c.framesOut ?? '—'])),
      mx.perDecodedCamera !== undefined ? `One more decoded 720p30 camera (a line fitted through 1, 2, 4): **${num(mx.perDecodedCamera)} % of a core** (goal ≤ 8 %).` : '');
  }

  const rec = r.results.recovery;
  if (rec) {
    out.push('## 5. Recovery', table(DIST_HEAD, [
      dist('receiver accepting again → its destination live', rec.destinationBack.toLive),
      dist('receiver accepting again → frames arriving there', rec.destinationBack.toFrames),
      dist('on-air camera dies → slate at the receivers', rec.cameraDiesToSlate.atReceivers),
      ...(rec.mixerKilled ? [
        dist('program mixer SIGKILL while live → longest gap between program frames at each receiver (goal: program back ≤ 2 s)', rec.mixerKilled.gapAtReceivers),
        dist('program mixer SIGKILL → a new mixer composing the program again', rec.mixerKilled.toMixerBack),
      ] : []),
      dist('5 s network loss, link back → camera page live', rec.networkLoss.toPageLive),
      dist('5 s network loss, link back → director\'s tile live', rec.networkLoss.toTileLive),
      ...(rec.serverKilled ? [
        dist('server SIGKILL while live → the receiver acknowledges program media again (destination live; goal ≤ 5 s)', rec.serverKilled.toDestinationLive),
        dist('server SIGKILL → program decoded by a player at the receiver (includes the player rejoining nginx)', rec.serverKilled.toProgram),
        dist('server SIGKILL → the camera that was on air at the receiver, no click', rec.serverKilled.toCamera),
      ] : []),
    ]), `Network loss recovered by: ${[...new Set(rec.networkLoss.samples.map((s) => s.how))].join(', ') || '—'}.`,
    rec.mixerKilled ? `Program mixer killed: the destinations ${rec.mixerKilled.samples.every((m) => m.destinationsStayedLive) ? 'stayed live throughout (no session closed)' : '**left live** at least once'}.` : '');
  }

  const co = r.results.continuity;
  if (co) {
    out.push('## 6. On-air continuity', `A ${co.seconds} s show (program ${co.outputSize}, read frame by frame at three nginx-rtmp receivers); faults: ${co.events.map((e) => `${e.what} at ${e.atSecond} s`).join('; ')}.`,
      table(['receiver', 'seconds with valid program video', 'share', 'longest gap (s)'],
        co.perReceiver.map((p) => [p.receiver, `${p.validSeconds} / ${co.seconds}`, pct(p.validShare), p.longestGapSeconds])),
      `Seconds in which at least one receiver got valid program video: **${pct(co.atLeastOneShare)}**.`);
  }

  const so = r.results.soak;
  if (so) {
    const minFrames = Math.min(...so.framesPerMinute);
    out.push('## 9. Long show (soak)', `A ${so.minutes}-minute show (program ${so.outputSize}, ${so.expectedPerMinute / 60} fps), live to an nginx-rtmp receiver read frame by frame; on air: ${so.schedule.map((s) => `${s.camera} from ${s.atSecond} s`).join(', ')}. The goal: no gap, no restart.`,
      table(['', 'value'], [
        ['program frames per minute at the receiver (min / expected)', `${minFrames} / ${so.expectedPerMinute}`],
        ['longest gap between frames', ms(so.longestGapMs)],
        ['encoder restarts', so.encoderRestarts.length ? so.encoderRestarts.map((e) => `${e.atSecond} s: ${e.reason}`).join('; ') : '0'],
        ['slate took over', so.slateFallbacks.length ? so.slateFallbacks.map((e) => `${e.atSecond} s: ${e.reason}`).join('; ') : '0'],
        ['destination reconnects', so.reconnects],
      ]),
      `Frames per minute: ${so.framesPerMinute.join(', ')}.`);
  }

  const av = r.results.avSync;
  if (av) {
    out.push('## 11. A/V offset at the receiver',
      'One camera flashes white and beeps at the same instant once a second; the receiver\'s stream is read for when each flash and each beep begins, on the stream\'s own timestamps (what a player shows). ' +
      'Positive: the sound comes after the picture. Viewers notice past +45 / −125 ms (ITU-R BT.1359); the goal is |offset| ≤ 40 ms p95. "At the camera": the camera page\'s own recording of what it sent, read the same way. ' +
      'The camera is not at 0 itself (its beep reaches its stream after its flash): "added on the way" is each offset minus the camera\'s p50, what the path itself adds.',
      table(['path', 'n', 'offset p50', 'offset p95', '|offset| p95', 'min', 'max', 'at the camera p50', 'added on the way p50', 'added on the way, |p95|'],
        av.paths.map((p) => {
          const added = p.atCamera.p50 === undefined ? undefined : summarize(p.samples.map((v) => Math.abs(v - p.atCamera.p50!)));
          return [p.path === 'mixer' ? 'program mixer' : 'splice (today\'s path)', p.offset.n, ms(p.offset.p50), ms(p.offset.p95), ms(p.absOffset.p95), ms(p.offset.min), ms(p.offset.max), ms(p.atCamera.p50),
            ms(p.offset.p50 === undefined || p.atCamera.p50 === undefined ? undefined : p.offset.p50 - p.atCamera.p50), ms(added?.p95)];
        })));
  }

  for (const [name, err] of Object.entries(r.errors)) out.push(`## ${name}: could not complete`, '```', String(err).split('\n').slice(0, 6).join('\n'), '```');
  if (charts.length) out.push('## Charts', ...charts);
  const text = out.join('\n\n');
  writeFileSync(`${base}.md`, `${text}\n\nRaw samples: [${basename(base)}.json](${basename(base)}.json)\n`);
  return { text };
}
