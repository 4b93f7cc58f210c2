#!/usr/bin/python3
# Régie's program mixer: a GStreamer pipeline that decodes the sources' RTP (H.264,
# VP8, VP9, Opus), composes the program (layers with position, size, opacity; audio
# with per-source gain) and encodes it once more as RTP (H.264 + Opus) back into
# mediasoup, where the switcher puts it on air. It is driven by the server over JSON
# lines (stdin: commands, stdout: events) and decides nothing itself: what is on air,
# where and how it changes are the server's (sfu/src/mixer/). Run by Debian's
# /usr/bin/python3 (python3-gst-1.0).
#
# Why GStreamer: its compositor keeps producing frames when a live input dies (the
# input's last frame stays, or it is hidden), where ffmpeg's filter graph stalls; pads
# are added and removed while it plays; every property changes at runtime.
#
# argv[1]: JSON {width, height, fps, videoKbps, out: {videoPort, audioPort, videoPt, videoSsrc, audioPt, audioSsrc},
#   preview?: {width, height, fps, videoKbps, port, pt, ssrc}}   (preview: a second composition, the next shot, H.264 as RTP)
# Commands: {"id": n, "cmd": ..., ...}; each is answered {"ev": "ack", "id": n} or {"ev": "nack", "id": n, "error": ...}
#   input.add     {input, video?: {port, codec: H264|VP8|VP9, pt, still?}, audio?: {port, pt}}   (still: a still picture at a low rate, repeated)
#   input.remove  {input}
#   scene         {layers: [{input, x, y, w, h, alpha, z}], gains: {input: gain}, ms: 0|n, dip?: bool}
#   keyframe      {}
#   graphic       {name: lower-third|countdown|live|logo, on, ms, opacity?, title?, subtitle?}   a graphic on or off, with a fade
#   logo          {path: image file | null, decoder: pngdec|jpegdec, x, y, w, h}   the logo's picture and box (a new path or size: a new picture)
#   countdown     {at: epoch ms | null, label, final}   what the countdown graphic counts to, and says at zero
#   preview       {layers: [...as scene], graphics: {name: alpha}}   the preview's composition (at once; geometry in program pixels)
#   measure       {on}   (the bench) report the centre pixel of every composed frame: {ev: centre, y, u, v, t: epoch s}
#                        (and of the preview's: {ev: preview-centre, ...})
# Events: ready, ack/nack, stats (every 250 ms: frames out, how far the program's frames were behind the clock at most, per input frames decoded,
#   ms since the last one, the longest gap between two since the last report, and whether its silence is covered), input-frames {input} (its first decoded picture, or the first
#   after 0.5 s without), transition-done, keyframe-wanted {input}, input-error {input, error} (that input is
#   gone: add it again), error, warning
import json
import os
import sys
import threading
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstVideo', '1.0')
from gi.repository import GLib, Gst, GstVideo  # noqa: E402

Gst.init(None)
import silence  # noqa: E402  (beside this file: what a silent input's aggregators get)
from soundclock import SoundClock  # noqa: E402  (when an input's sound is heard)
# Every plugin an input or a logo may need, loaded now rather than when the first camera
# of that codec comes, while the program plays (loading avdec_h264's libraries took
# 140 ms here on an idle machine; a main loop held up that long answers nothing).
for _name in ('rtpjitterbuffer', 'rtph264depay', 'h264parse', 'avdec_h264', 'rtpvp8depay', 'vp8dec', 'rtpvp9depay', 'vp9dec',
              'rtpopusdepay', 'opusdec', 'pngdec', 'jpegdec', 'imagefreeze'):
    _factory = Gst.ElementFactory.find(_name)
    if _factory:
        _factory.load()
CFG = json.loads(sys.argv[1])
W, H, FPS = CFG['width'], CFG['height'], CFG['fps']
OUT = CFG['out']
# The preview: the shot in preview composed as it will go on air (its layout, the
# graphics it will have), for the director's preview monitor. Smaller than the program
# (a monitor, not a broadcast), from the same decoded pictures.
PVW = CFG.get('preview')
PW, PH, PFPS = (PVW['width'], PVW['height'], PVW['fps']) if PVW else (W, H, FPS)
T0 = time.monotonic()


LOCK = threading.Lock()
GAPS = threading.Lock()  # an input's longest gap: written by its streaming thread, taken by the report thread


def emit(obj):
    # from the main loop and from streaming threads (an input's first frame)
    with LOCK:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()


RAW = f'video/x-raw,format=I420,width={W},height={H},framerate={FPS}/1'
RAW_PVW = f'video/x-raw,format=I420,width={PW},height={PH},framerate={PFPS}/1'
LEAKY = 'queue max-size-buffers=2 leaky=downstream'
# The preview is a monitor's picture: each camera is scaled down to it the cheapest way
# (nearest pixel, no dithering; the default is a cubic filter). What costs most is its
# size and rate: see PREVIEW_MAX_WIDTH in ../output.ts.
PREVIEW_SCALING = Gst.Structure.new_from_string(
    'GstVideoConverter, resampler-method=(int)0, chroma-resampler-method=(int)0, dither-method=(int)0')
AUDIO = 'audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2'
# The background (black) keeps the compositor's clock ticking with no input at all;
# a silent live source does the same for the audio mixer. Both encoders are tuned for
# one frame of latency: this is a hop inside the server, the final encode is the
# program encoder's. One thread, so one slice a frame: with two, x264's sliced threads
# cut each frame in halves, and ffmpeg's RTP reader (the program encoder's) lost the
# bottom one. The compositor works in A420 (I420 with an alpha plane): only so
# does it take the graphics' pictures with their transparency.
# Sound in 10 ms buffers and Opus frames: downstream, picture and sound are put back
# in step by when their packets reach mediasoup (its sender reports map its
# timestamps to arrival times), so sound held here longer than pictures arrives late
# at every destination. A/V bench, quick runs: sound 53 ms after the picture with
# 20 ms, -4 ms with 10 ms (more than the 20 ms saved: partly the runs' spread).
# The audio mixer lays each input's sound end to end, and follows the times it is given
# only once they are this far off for this long (GStreamer's 40 ms for 1 s: a 40 ms
# jump in the sound, and up to that against the picture). An input's sound times
# are now even (soundclock.py) except where they are moved on purpose: followed at once.
SOUND_ALIGN = 5 * Gst.MSECOND
SOUND_ALIGN_WAIT = 100 * Gst.MSECOND
PIPELINE = f'''
  videotestsrc is-live=true pattern=black ! {RAW} ! queue max-size-buffers=2 leaky=downstream ! pgm.
  compositor name=pgm background=black latency=0 ! {RAW.replace('I420', 'A420')} ! videoconvert ! {RAW}
    ! queue max-size-buffers=2 leaky=downstream
    ! identity name=out_probe
    ! x264enc tune=zerolatency speed-preset=ultrafast bitrate={CFG['videoKbps']} key-int-max={FPS} byte-stream=false threads=1
    ! video/x-h264,profile=constrained-baseline,stream-format=avc
    ! rtph264pay name=vpay pt={OUT['videoPt']} ssrc={OUT['videoSsrc']} config-interval=-1 mtu=1200 aggregate-mode=zero-latency
    ! udpsink host=127.0.0.1 port={OUT['videoPort']} sync=false async=false
  audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! {AUDIO} ! amix.
  audiomixer name=amix latency=0 alignment-threshold={SOUND_ALIGN} discont-wait={SOUND_ALIGN_WAIT} ! {AUDIO}
    ! opusenc bitrate=128000 frame-size=10 ! rtpopuspay pt={OUT['audioPt']} ssrc={OUT['audioSsrc']}
    ! udpsink host=127.0.0.1 port={OUT['audioPort']} sync=false async=false
'''
if PVW:
    # (a key frame every second: a preview monitor that opens shows it within one)
    PIPELINE += f'''
  videotestsrc is-live=true pattern=black ! {RAW_PVW} ! {LEAKY} ! pvw.
  compositor name=pvw background=black latency=0 ! {RAW_PVW.replace('I420', 'A420')} ! videoconvert ! {RAW_PVW} ! {LEAKY}
    ! x264enc tune=zerolatency speed-preset=ultrafast bitrate={PVW['videoKbps']} key-int-max={PFPS} byte-stream=false threads=1
    ! video/x-h264,profile=constrained-baseline,stream-format=avc
    ! rtph264pay pt={PVW['pt']} ssrc={PVW['ssrc']} config-interval=-1 mtu=1200 aggregate-mode=zero-latency
    ! udpsink host=127.0.0.1 port={PVW['port']} sync=false async=false
'''


def to_mixers(name):
    """The end of a picture's branch in a description: into the program's compositor and the preview's."""
    if not PVW:
        return f' ! {LEAKY} name=q_{name} ! pgm.'
    return f' ! tee name=t_{name} t_{name}. ! {LEAKY} name=q_{name} ! pgm. t_{name}. ! {LEAKY} name=pq_{name} ! pvw.'


def split_bin(desc, name, repeat=False):
    """
    A picture's branch as a bin of its own, its ghost pads 'src' (to the program) and
    'pvw' (to the preview). `repeat`: a still picture sent at a low frame rate (the
    slate, 10 a second), repeated at each compositor's own rate. A live compositor waits
    for a picture from every input before each frame it composes (until its latency,
    67 ms then), and a 10-a-second input made every program frame wait that long:
    in a test pipeline a camera's picture waited 42-53 ms in the compositor with the
    slate in it, 4-11 ms with the slate repeated (measured before silent inputs were
    covered, silence.py, which now fills a plain slate's gaps too: the repeat stays, in
    GStreamer's own threads at the compositor's rate, where the cover is Python every
    20 ms). (Cameras are not repeated: each of their pictures would then wait for the
    repeater's next tick, 0-33 ms, where it now goes into the compositor's next frame
    as it comes.)
    """
    rate = lambda fps: f' ! imagefreeze is-live=true allow-replace=true ! video/x-raw,framerate={fps}/1' if repeat else ''
    tail = f' ! tee name=split split.{rate(FPS)} ! {LEAKY} name=to_pgm' + (f' split.{rate(PFPS)} ! {LEAKY} name=to_pvw' if PVW else '')
    b = Gst.parse_bin_from_description(desc + tail, False)
    b.set_name(name)
    b.add_pad(Gst.GhostPad.new('src', b.get_by_name('to_pgm').get_static_pad('src')))
    if PVW:
        b.add_pad(Gst.GhostPad.new('pvw', b.get_by_name('to_pvw').get_static_pad('src')))
    pipeline.add(b)  # (raises if it cannot: a name in use)
    return b


def link_to(b, ghost, mixer):
    """Links a bin's ghost pad to a new pad of that compositor (None without the preview)."""
    if mixer is None:
        return None
    pad = mixer.request_pad_simple('sink_%u')
    b.get_static_pad(ghost).link(pad)
    return pad


# Bins being stopped: what they still report is not news.
dropping = set()


def unlink_bin(b):
    """
    Gives back the mixer pads a bin fed, at once, then stops it and takes it out of the
    pipeline on a thread of its own. Stopping a bin waits for its streaming threads,
    and one can be held up (a push into a compositor waiting for its next frame; seen
    here: over a second on a loaded machine, never answered once): the main loop must
    not wait with it, or no command is answered and no report sent (the server then
    takes the mixer for hung and starts another).
    """
    dropping.add(b)
    for src in list(b.srcpads):
        peer = src.get_peer()
        if peer:
            # (the compositor's pad goes flushing: a push blocked in it returns)
            peer.get_parent_element().release_request_pad(peer)

    def stop():
        b.set_state(Gst.State.NULL)
        GLib.idle_add(forget)

    def forget():
        pipeline.remove(b)
        dropping.discard(b)
        return False
    threading.Thread(target=stop, name='stop-bin', daemon=True).start()


def scaled(n, full, part):
    return int(round(n * part / full))


def place_pad(pad, l, preview=False):
    """A layer's box (program pixels) on its compositor pad: the preview's is the same box, smaller."""
    if pad is None:
        return
    for prop, key, full, part in (('xpos', 'x', W, PW), ('ypos', 'y', H, PH), ('width', 'w', W, PW), ('height', 'h', H, PH)):
        pad.set_property(prop, scaled(int(l[key]), full, part) if preview else int(l[key]))
    if 'z' in l:
        pad.set_property('zorder', int(l['z']))

# ---- graphics: layers above every shot, each a small live picture of its own (a box,
# its text), faded in and out by its opacity; changed without touching the encoder ----
def box(x, y, w, h):
    even = lambda n: int(round(n / 2)) * 2  # noqa: E731
    return {'x': even(x * W), 'y': even(y * H), 'w': even(w * W), 'h': even(h * H)}


def px(fraction_of_height):
    return max(8, int(H * fraction_of_height))


# A graphic's picture is made at the program's frame rate: at 5 a second (its text
# changes at most once a second), the live compositor waited for each of them and sent
# the program in bursts, 6 frames every 0.2 s (measured).
GRAPHICS_FPS = FPS
GRAPHICS = {
    # name: (box, background ARGB, [(text element, font size as a share of the frame height, alignment)])
    'lower-third': (box(0.05, 0.74, 0.62, 0.17), 0xF0142850, [('title', 0.055, 'top'), ('subtitle', 0.035, 'bottom')]),
    'countdown': (box(0.04, 0.05, 0.32, 0.11), 0xC0000000, [('clock', 0.06, 'center')]),
    'live': (box(0.84, 0.05, 0.12, 0.07), 0xFFD01020, [('word', 0.04, 'center')]),
}


def graphic_branch(name, spec):
    b, bg, texts = spec
    overlays = ''.join(
        f' ! textoverlay name=g_{name}_{el} text="" valignment={al} halignment={"center" if al == "center" else "left"} '
        f'auto-resize=false xpad={px(0.02)} ypad={px(0.012)} draw-shadow=false draw-outline=false font-desc="DejaVu Sans Bold {px(size)}px"'
        for el, size, al in texts)
    return (f'videotestsrc is-live=true pattern=solid-color foreground-color={bg} '
            f'! video/x-raw,format=BGRA,width={b["w"]},height={b["h"]},framerate={GRAPHICS_FPS}/1{overlays} '
            f'{to_mixers("g_" + name)}')


PIPELINE += '\n'.join(graphic_branch(n, spec) for n, spec in GRAPHICS.items())
pipeline = Gst.parse_launch(PIPELINE)
pgm = pipeline.get_by_name('pgm')
pvw = pipeline.get_by_name('pvw')  # (None without the preview)
amix = pipeline.get_by_name('amix')
encoder = pipeline.get_by_name('out_probe').get_static_pad('src').get_peer().get_parent_element()

frames_out = 0
# How far the program's frames are behind the clock. On a starved machine the program's
# compositor falls behind, and a live compositor does not skip ahead by itself: it kept
# composing every frame, later and later (measured: 6.5 s behind with two busy loops
# on two cores; the program showed a cut 15 s after it was made). Told by a QoS event
# (what a late sink sends), it drops output frames without composing them until its
# next one is back in time. The event goes to the compositor only: a compositor passes
# QoS on to its inputs, whose decoders would then drop pictures the preview needs too.
STEADY_BEHIND = 100 * Gst.MSECOND  # a frame's time plus the inputs' latency: normal
TOO_FAR_BEHIND = 300 * Gst.MSECOND
behind = {'max': 0, 'catching_up': False}


def running_time():
    """The pipeline's running time now, ns (None before it has a clock)."""
    clock = pipeline.get_clock()
    return clock.get_time() - pipeline.get_base_time() if clock else None


def count_out(_pad, info):
    # (on the thread that feeds the program's encoder, a frame at a time)
    global frames_out
    frames_out += 1
    now, pts = running_time(), info.get_buffer().pts
    if now is None or pts == Gst.CLOCK_TIME_NONE:
        return Gst.PadProbeReturn.OK
    late = now - pts  # (pts is running time: the segment starts at 0)
    behind['max'] = max(behind['max'], late)
    if late > TOO_FAR_BEHIND and not behind['catching_up']:
        behind['catching_up'] = True
        # From the main loop, before its frame timers: not from a streaming thread.
        GLib.idle_add(catch_up, pts, late, priority=GLib.PRIORITY_HIGH)
    return Gst.PadProbeReturn.OK


def catch_up(pts, late):
    try:
        # A live compositor drops the frames before pts + diff: back to the steady delay.
        event = Gst.Event.new_qos(Gst.QOSType.UNDERFLOW, 1.0, late - STEADY_BEHIND, pts)
        seqnum = event.get_seqnum()

        def keep(_pad, info):
            ev = info.get_event()
            return Gst.PadProbeReturn.DROP if ev.type == Gst.EventType.QOS and ev.get_seqnum() == seqnum else Gst.PadProbeReturn.OK
        # (passed on to the inputs in this same call: dropped at the compositor's own pads)
        probes = [(p, p.add_probe(Gst.PadProbeType.EVENT_UPSTREAM, keep)) for p in pgm.sinkpads]
        try:
            pgm.get_static_pad('src').send_event(event)
        finally:
            for p, probe in probes:
                p.remove_probe(probe)
    finally:
        GLib.timeout_add(500, lambda: behind.update(catching_up=False))  # (one at a time: let it take effect)
    return False


def take_behind():
    ms = round(behind['max'] / Gst.MSECOND)
    behind['max'] = 0
    return ms


pipeline.get_by_name('out_probe').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, count_out)

graphic_pads = {}  # name -> its pad on the program's compositor
preview_pads = {}  # name -> its pad on the preview's
for n, (b, _, texts) in GRAPHICS.items():
    # the compositor pads its branch ends on (its queues' peers)
    z = {'z': 1_000_000 + len(graphic_pads)}
    graphic_pads[n] = pipeline.get_by_name(f'q_g_{n}').get_static_pad('src').get_peer()
    place_pad(graphic_pads[n], {**b, **z})
    graphic_pads[n].set_property('alpha', 0.0)
    if PVW:
        preview_pads[n] = pipeline.get_by_name(f'pq_g_{n}').get_static_pad('src').get_peer()
        place_pad(preview_pads[n], {**b, **z}, preview=True)
        preview_pads[n].set_property('alpha', 0.0)
pipeline.get_by_name('g_live_word').set_property('text', 'LIVE')

DEPAY = {
    # Slice threads, not frame threads: frame threading holds a frame per thread back.
    'H264': 'rtph264depay wait-for-keyframe=true request-keyframe=true ! h264parse ! avdec_h264 output-corrupt=false thread-type=slice',
    'VP8': 'rtpvp8depay wait-for-keyframe=true request-keyframe=true ! vp8dec',
    'VP9': 'rtpvp9depay wait-for-keyframe=true request-keyframe=true ! vp9dec',
}
CLOCK = {'H264': 90000, 'VP8': 90000, 'VP9': 90000}

# input id -> {'bins': [...], 'vpad': compositor pad, 'apad': audiomixer pad, 'frames': n, 'last': t}
inputs = {}
made = [0]


def bin_name(kind, input_id):
    """A name no other bin has: an input added again may find its last bin still being stopped, and a bin cannot join the pipeline under a name in use."""
    made[0] += 1
    return f'{kind}_{input_id}_{made[0]}'


def branch(desc, name, mixer):
    """An input's chain, in the pipeline, and the mixer pad it will feed."""
    b = Gst.parse_bin_from_description(desc, True)
    b.set_name(name)
    pipeline.add(b)  # (raises if it cannot: a name in use)
    return b, mixer.request_pad_simple('sink_%u')


# Each input's jitter buffers (its picture's, its sound's) stamp its packets on the
# program's clock by when they arrive, smoothed (the fastest arrivals of the last
# moments), so that what a camera took at one instant gets one time in both. A packet
# that comes later than the jitter buffer's latency after that time makes it start
# again from that packet's arrival: its times jump, then settle over the next seconds.
# At 30 ms, on the loaded bench (cameras, browsers and the server on two cores),
# packets that late came every few seconds; the picture's and the sound's times jumped
# apart, and the Opus decoder and the audio mixer kept the sound's jumps (A/V bench,
# mixer path, a camera's times sampled after its jitter buffers: in one run 6 of 53
# picture samples and 17 of 91 sound samples 15-100 ms off their usual place; the
# flash-to-beep offset at the receiver from -94 to +131 ms over runs). At 100 ms, 1 of
# 424 samples in three runs. (The picture's still are; the sound's are now timed by its
# RTP clock and moved to its arrivals by soundclock.py: at 50 packets a second, the
# jitter buffer's own estimate took seconds to settle after each restart.)
JITTER_MS = 100
# That latency is also how long the compositor and the audio mixer wait for a late
# input before each frame (then go on without it: the picture at its next frame, the
# sound dropped). An input whose sound came in bursts (the slate's silence) made the
# audio mixer wait that long before every buffer, and the program's picture with it (the
# program encoder interleaves them, the director's browser puts them in step): at
# 100 ms, latency bench, glass-to-glass to the receiver 240 -> 358 ms p50, program
# monitor 137 -> 275 ms. The slate's sound is no longer mixed (Mixer.ts,
# mixedProducers): then 238 and 230 ms, 168 and 162 ms in two runs. (A source silent
# for 50 ms is covered with silence, silence.py: the mixer waits no longer for it.)


def jitter_buffer(name, drop):
    # (faststart: it starts at its second packet in a row, not once its latency has
    # passed, which now would hold each new input's first picture 100 ms)
    return f'rtpjitterbuffer name={name} latency={JITTER_MS} drop-on-latency={"true" if drop else "false"} faststart-min-packets=2'


def add_video(input_id, v):
    codec = v['codec']
    if codec not in DEPAY:
        raise ValueError(f'the mixer cannot decode {codec}')
    # A jitter buffer to reorder (mediasoup has already retransmitted what was lost;
    # packets in order go through at once). It does not drop a burst: a keyframe that
    # comes at once (a camera back, a sender catching up) spans more than its latency,
    # and with drop-on-latency its first packets were dropped: the camera was shown only
    # at its next keyframe, a second later (mixer bench, "a camera back"). What bounds
    # the delay instead is the queue after it: decoding that falls 300 packets behind
    # (about a second of a 720p camera; a starved machine) drops the oldest packets
    # there, and the decoder asks for a keyframe. (Counted in packets, not time: after a
    # silence the first packet's time would make it look full, and drop the keyframe.)
    # Then decode, then any size to the program's: the compositor
    # scales each layer to its box keeping its aspect (a portrait phone is pillarboxed,
    # never stretched).
    desc = (f'udpsrc port={v["port"]} address=127.0.0.1 reuse=false '
            f'caps="application/x-rtp,media=video,clock-rate={CLOCK[codec]},encoding-name={codec},payload={v["pt"]}" '
            f'! {jitter_buffer("jb", drop=False)} '
            f'! queue max-size-buffers=300 max-size-time=0 max-size-bytes=0 leaky=downstream ! {DEPAY[codec]} '
            f'! videoconvert ! videoscale ! video/x-raw,format=I420')
    still = bool(v.get('still'))  # (repeated by its own branch: not covered when silent)
    b = split_bin(desc, bin_name('v', input_id), repeat=still)
    pad, ppad = link_to(b, 'src', pgm), link_to(b, 'pvw', pvw)
    for p, preview in ((pad, False), (ppad, True)):
        if p is None:
            continue
        p.set_property('alpha', 0.0)
        p.set_property('sizing-policy', 'keep-aspect-ratio')
        place_pad(p, {'x': 0, 'y': 0, 'w': W, 'h': H}, preview)
        if preview:
            p.set_property('converter-config', PREVIEW_SCALING)
    entry = inputs[input_id]

    def counted(_pad, info):
        # A picture with no time (seen after a jitter buffer reset its clock skew, a camera
        # coming back) is dropped before it reaches either compositor: it would fail the
        # whole program on it ("Need timestamped buffers!", every source then stopped with
        # a flow error).
        if info.get_buffer().pts == Gst.CLOCK_TIME_NONE:
            return Gst.PadProbeReturn.DROP
        now = time.monotonic()
        # Its first picture, or the first after a silence: the server may be waiting
        # for it to show the input (a cut to it, a camera back).
        if entry['frames'] == 0 or now - entry['last'] > 0.5:
            emit({'ev': 'input-frames', 'input': input_id})
        if entry['last']:
            with GAPS:  # (the report thread takes the gap)
                entry['gap'] = max(entry.get('gap', 0), now - entry['last'])
        entry['frames'] += 1
        entry['last'] = now
        if not still:
            entry['picture'] = info.get_buffer()
        return Gst.PadProbeReturn.OK
    # Counted where they go to the compositors (after conversion): "decoding" means "can
    # be shown". One probe (Python in a streaming thread costs it the GIL each picture).
    # (No frame-rate filter: it held a frame back; the compositor repeats or skips
    # frames to its own rate.)
    b.get_by_name('split').get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, counted)

    # The depayloader asks for a keyframe upstream (after loss, at start); the server
    # asks mediasoup for it.
    def upstream(_pad, info):
        ev = info.get_event()
        if ev and ev.type == Gst.EventType.CUSTOM_UPSTREAM and ev.get_structure().get_name() == 'GstForceKeyUnit':
            emit({'ev': 'keyframe-wanted', 'input': input_id})
        return Gst.PadProbeReturn.OK
    b.get_by_name('jb').get_static_pad('src').add_probe(Gst.PadProbeType.EVENT_UPSTREAM, upstream)
    entry['bins'].append(b)
    if not still:
        entry['picture_to'] = [(b.get_by_name(q).get_static_pad('sink').get_peer(), mixer) for q, mixer in (('to_pgm', pgm), ('to_pvw', pvw)) if mixer]

        def new_size(_pad, info):
            # (a picture of the old size must not be repeated under the new caps)
            if info.get_event().type == Gst.EventType.CAPS:
                entry.pop('picture', None)
            return Gst.PadProbeReturn.OK
        b.get_by_name('split').get_static_pad('sink').add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, new_size)
    entry['vpad'] = pad
    entry['ppad'] = ppad
    if not b.sync_state_with_parent():
        raise RuntimeError(f'the video input of {input_id} could not start (its port {v["port"]} may be taken)')


def add_audio(input_id, a):
    # A lost packet (the phone's network; WebRTC does not send sound again) is told to the
    # decoder once the jitter buffer stops waiting for it (do-lost), and the decoder
    # conceals it (plc): without, each was a hole of silence in the program's sound.
    desc = (f'udpsrc port={a["port"]} address=127.0.0.1 reuse=false '
            f'caps="application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload={a["pt"]}" '
            f'! {jitter_buffer("jb", drop=True)} do-lost=true mode=synced ! rtpopusdepay ! opusdec plc=true '
            f'! audioconvert ! audioresample ! {AUDIO} ! queue max-size-time=100000000 leaky=downstream')
    b, pad = branch(desc, bin_name('a', input_id), amix)
    pad.set_property('volume', 0.0)
    b.get_static_pad('src').link(pad)
    entry = inputs[input_id]

    def heard(_pad, info):
        entry['heard'] = time.monotonic()
        buf = info.get_buffer()
        if buf.pts != Gst.CLOCK_TIME_NONE and buf.duration != Gst.CLOCK_TIME_NONE:
            entry['heard_until'] = buf.pts + buf.duration  # (running time: its segment starts at 0)
        return Gst.PadProbeReturn.OK
    b.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, heard)
    entry['sound_clock'] = SoundClock(b.get_by_name('jb'), running_time)
    entry['sound_clock'].attach()
    entry['sound_pad'] = b.get_static_pad('src')
    entry['bins'].append(b)
    entry['apad'] = pad
    if not b.sync_state_with_parent():
        raise RuntimeError(f'the audio input of {input_id} could not start (its port {a["port"]} may be taken)')


def remove_input(input_id):
    entry = inputs.pop(input_id, None)
    if not entry:
        return
    # (the cover's thread may still hold it: it stops covering it, and lets go of its
    # picture and pads, which the probes' closures on its bins would otherwise keep)
    entry['gone'] = True
    for k in ('picture', 'picture_to', 'sound_pad'):
        entry.pop(k, None)
    for t in transitions:
        t['to'].pop(input_id, None)
        t['from'].pop(input_id, None)
    for b in entry['bins']:
        unlink_bin(b)


# ---- the scene: layers and gains, set at once (a cut) or ramped (a mix, a dip) ----
transitions = []


def current(input_id):
    e = inputs[input_id]
    alpha = e['vpad'].get_property('alpha') if e.get('vpad') else 0.0
    gain = e['apad'].get_property('volume') if e.get('apad') else 0.0
    return alpha, gain


def apply(input_id, alpha, gain):
    e = inputs.get(input_id)
    if not e:
        return
    if e.get('vpad'):
        e['vpad'].set_property('alpha', max(0.0, min(1.0, alpha)))
    if e.get('apad'):
        e['apad'].set_property('volume', max(0.0, min(10.0, gain)))


# The last scene's layers and gains: an input that joins later (its transport was still
# being made, a camera back with a new stream) takes its place as soon as it is added.
wanted_layers = {}
wanted_gains = {}


def place(input_id, l):
    pad = inputs[input_id].get('vpad')
    if pad:
        place_pad(pad, l)


# The preview's composition: set at once, never ramped (it shows what a take will end on).
preview = {'layers': {}, 'graphics': {}}


def show_preview(input_id):
    pad = inputs[input_id].get('ppad')
    if pad is None:
        return
    l = preview['layers'].get(input_id)
    if l:
        place_pad(pad, l, preview=True)
    pad.set_property('alpha', max(0.0, min(1.0, float(l['alpha']))) if l else 0.0)


def set_preview(c):
    if not PVW:
        raise ValueError('this mixer makes no preview')
    preview['layers'] = {l['input']: l for l in c.get('layers', [])}
    preview['graphics'] = dict(c.get('graphics', {}))
    for input_id in inputs:
        show_preview(input_id)
    for name, pad in preview_pads.items():
        pad.set_property('alpha', max(0.0, min(1.0, float(preview['graphics'].get(name, 0.0)))))


def scene(c):
    wanted_layers.clear()
    wanted_layers.update({l['input']: l for l in c.get('layers', [])})
    wanted_gains.clear()
    wanted_gains.update(c.get('gains', {}))
    layers = {l['input']: l for l in c.get('layers', []) if l['input'] in inputs}
    gains = {k: v for k, v in c.get('gains', {}).items() if k in inputs}
    # Geometry and stacking change at the start; what fades is opacity and gain.
    for input_id, l in layers.items():
        place(input_id, l)
    target = {i: (layers[i]['alpha'] if i in layers else 0.0, gains.get(i, 0.0)) for i in inputs}
    transitions.clear()
    ms = c.get('ms', 0)
    if ms <= 0:
        for i, (alpha, gain) in target.items():
            apply(i, alpha, gain)
        return
    start = {i: current(i) for i in inputs}
    transitions.append({'id': c.get('id'), 'from': start, 'to': target, 't0': time.monotonic(), 'ms': ms, 'dip': bool(c.get('dip'))})


def join_scene(input_id):
    """An input added after the scene that shows it: in its place, at its level (into the transition if one runs)."""
    target = (wanted_layers[input_id]['alpha'] if input_id in wanted_layers else 0.0, wanted_gains.get(input_id, 0.0))
    if input_id in wanted_layers:
        place(input_id, wanted_layers[input_id])
    for t in transitions:
        t['from'][input_id] = (0.0, 0.0)
        t['to'][input_id] = target
    if not transitions:
        apply(input_id, *target)
    show_preview(input_id)


def tick():
    try:
        step_transitions()
    except Exception as err:  # noqa: BLE001 — a transition that cannot go on ends where it should
        for t in list(transitions):
            for i, (alpha, gain) in t['to'].items():
                if i in inputs:
                    apply(i, alpha, gain)
            emit({'ev': 'transition-done', 'id': t['id']})
        transitions.clear()
        emit({'ev': 'error', 'src': 'transition', 'error': str(err)})
    return True


def step_transitions():
    now = time.monotonic()
    for t in list(transitions):
        x = min(1.0, (now - t['t0']) * 1000 / t['ms'])
        for i in inputs:
            (a0, g0), (a1, g1) = t['from'].get(i, (0.0, 0.0)), t['to'].get(i, (0.0, 0.0))
            if t['dip']:
                # to the background first (the old shot out), then the new one in
                if x < 0.5:
                    k = 1 - 2 * x
                    apply(i, a0 * k, g0 * k)
                else:
                    k = 2 * x - 1
                    apply(i, a1 * k, g1 * k)
            else:
                # The shot coming in fades in over the one going out, which stays whole
                # underneath until the end (fading both would darken the middle of the mix).
                alpha = a0 + (a1 - a0) * x if a1 >= a0 else (a0 if x < 1.0 else a1)
                apply(i, alpha, g0 + (g1 - g0) * x)
        if x >= 1.0:
            transitions.remove(t)
            emit({'ev': 'transition-done', 'id': t['id']})
    return True


fades = {}  # graphic name -> (from alpha, to alpha, start, ms)


def graphic(c):
    name = c['name']
    if name not in graphic_pads:
        raise ValueError(f'no graphic {name!r}')
    for el in ('title', 'subtitle'):
        if el in c:  # (textoverlay reads Pango markup: the director's text is text)
            pipeline.get_by_name(f'g_{name}_{el}').set_property('text', GLib.markup_escape_text(str(c[el])))
    target = float(c.get('opacity', 1.0)) if c['on'] else 0.0
    ms = c.get('ms', 0)
    if ms <= 0:
        fades.pop(name, None)
        graphic_pads[name].set_property('alpha', target)
    else:
        fades[name] = (graphic_pads[name].get_property('alpha'), target, time.monotonic(), ms)


# ---- the logo: an image file, frozen into a live picture at the program's frame rate,
# a graphic like the others (faded by its opacity); a new image is a new branch ----
# ('old': pictures replaced, shown until the new one's first frame)
logo = {'path': None, 'bin': None, 'size': None, 'old': [], 'made': 0}


def drop_old_logos():
    for b in logo['old']:
        unlink_bin(b)
    logo['old'] = []
    return False  # (once, from the main loop)


def remove_logo():
    drop_old_logos()
    b = logo['bin']
    if not b:
        return
    graphic_pads.pop('logo')
    preview_pads.pop('logo', None)
    fades.pop('logo', None)
    unlink_bin(b)
    logo.update({'path': None, 'bin': None, 'size': None})


def set_logo(c):
    path = c.get('path')
    if not path:  # no logo (any more)
        remove_logo()
        return
    box_ = {k: int(c[k]) // 2 * 2 for k in ('x', 'y', 'w', 'h')}
    # A new image, or a new size: a new picture, made at its box's size (the compositor
    # scaling a small picture up made it blurred).
    if path != logo['path'] or (box_['w'], box_['h']) != logo['size']:
        if c.get('decoder') not in ('pngdec', 'jpegdec'):
            raise ValueError('the logo is decoded by pngdec or jpegdec')
        alpha = graphic_pads['logo'].get_property('alpha') if 'logo' in graphic_pads else 0.0
        fade = fades.pop('logo', None)
        # The picture on the program stays until the new one's first frame: a logo
        # replaced or resized never leaves the program for a frame.
        if logo['bin']:
            logo['old'].append(logo['bin'])
            graphic_pads.pop('logo')
            preview_pads.pop('logo', None)
        # (the file's path is set as a property: a pipeline description would mangle any
        # character outside ASCII in it)
        desc = (f'filesrc name=logo_file ! {c["decoder"]} ! imagefreeze is-live=true ! videoconvert ! videoscale '
                f'! video/x-raw,format=BGRA,width={box_["w"]},height={box_["h"]},framerate={FPS}/1')
        logo['made'] += 1
        b = split_bin(desc, f'logo_{logo["made"]}')  # (the one it replaces is still in the pipeline)
        b.get_by_name('logo_file').set_property('location', path)
        pad, ppad = link_to(b, 'src', pgm), link_to(b, 'pvw', pvw)
        pad.set_property('zorder', 1_000_000 + len(GRAPHICS))
        pad.set_property('alpha', alpha)
        graphic_pads['logo'] = pad
        if ppad is not None:
            ppad.set_property('zorder', 1_000_000 + len(GRAPHICS))
            ppad.set_property('alpha', max(0.0, min(1.0, float(preview['graphics'].get('logo', 0.0)))))
            preview_pads['logo'] = ppad
        if fade:  # (a fade under way goes on with the new picture)
            fades['logo'] = fade
        logo.update({'path': path, 'bin': b, 'size': (box_['w'], box_['h'])})
        if logo['old']:
            def first(_pad, _info):
                GLib.idle_add(drop_old_logos)
                return Gst.PadProbeReturn.REMOVE
            pad.add_probe(Gst.PadProbeType.BUFFER, first)
        if not b.sync_state_with_parent():
            remove_logo()
            raise RuntimeError('the logo could not start')
    place_pad(graphic_pads['logo'], box_)
    if 'logo' in preview_pads:
        place_pad(preview_pads['logo'], box_, preview=True)


def fade_tick():
    now = time.monotonic()
    for name, (a0, a1, t0, ms) in list(fades.items()):
        x = min(1.0, (now - t0) * 1000 / ms)
        graphic_pads[name].set_property('alpha', a0 + (a1 - a0) * x)
        if x >= 1.0:
            del fades[name]
    return True


countdown = {'at': None, 'label': '', 'final': ''}


def countdown_tick():
    at = countdown['at']
    if at is None:
        text = ''
    else:
        left = at / 1000 - time.time()
        if left <= 0:
            text = countdown['final']
        else:
            s = int(left) + (1 if left % 1 > 0 else 0)  # 00:00:01 until the very end
            text = f'{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}'
    el = pipeline.get_by_name('g_countdown_clock')
    text = GLib.markup_escape_text(text)
    if el.get_property('text') != text:
        el.set_property('text', text)
    return True


measuring = [False]


def measure_centre(ev, width, height):
    def probe(pad, info):
        """The centre pixel of a composed frame, and when it was composed: what a cut measures."""
        if not measuring[0]:
            return Gst.PadProbeReturn.OK
        vi = GstVideo.VideoInfo.new_from_caps(pad.get_current_caps())
        ok, m = info.get_buffer().map(Gst.MapFlags.READ)
        if ok:
            try:
                y = m.data[vi.offset[0] + (height // 2) * vi.stride[0] + width // 2]
                u = m.data[vi.offset[1] + (height // 4) * vi.stride[1] + width // 4]
                v = m.data[vi.offset[2] + (height // 4) * vi.stride[2] + width // 4]
                emit({'ev': ev, 'y': y, 'u': u, 'v': v, 't': time.time()})
            finally:
                info.get_buffer().unmap(m)
        return Gst.PadProbeReturn.OK
    return probe


measure_probes = []


def measure(on):
    """(As frames leave the compositors; only while asked: Python in a compositor's own thread costs it the GIL every frame.)"""
    measuring[0] = on
    for pad, probe_id in measure_probes:
        pad.remove_probe(probe_id)
    measure_probes.clear()
    if on:
        for mixer, ev, width, height in ((pgm, 'centre', W, H), (pvw, 'preview-centre', PW, PH)):
            if mixer:
                pad = mixer.get_static_pad('src')
                measure_probes.append((pad, pad.add_probe(Gst.PadProbeType.BUFFER, measure_centre(ev, width, height))))


# The main loop's last beat: a report says how long ago it was (a loop held up for
# long answers no command; the server then starts another mixer).
beat = [time.monotonic()]


def heartbeat():
    beat[0] = time.monotonic()
    return True


def stats():
    now = time.monotonic()
    emit({'ev': 'stats', 'framesOut': frames_out, 'loopMs': round((now - beat[0]) * 1000), 'behindMs': take_behind(), 'inputs': {
        i: {'frames': e['frames'], 'sinceMs': round((now - e['last']) * 1000) if e['last'] else None, 'maxGapMs': round(take_gap(e) * 1000),
            'covered': silence.covered(e, now, 0.25)}
        for i, e in list(inputs.items())}})


def take_gap(e):
    with GAPS:
        return e.pop('gap', 0)


def report():
    """
    Reports every 0.25 s from a thread of its own, not the main loop: they say whether
    the program is being composed (what the server's watchdog reads), even while the
    main loop is held up for a moment by a command (an input being added or removed).
    """
    while True:
        time.sleep(0.25)
        try:
            stats()
        except RuntimeError:  # (the inputs changed while being read: the next report)
            pass


def handle(line):
    try:
        c = json.loads(line)
    except ValueError as err:
        emit({'ev': 'nack', 'id': None, 'error': f'not JSON: {err}'})
        return
    if not isinstance(c, dict):
        emit({'ev': 'nack', 'id': None, 'error': 'a command is a JSON object'})
        return
    try:
        cmd = c.get('cmd')
        if cmd == 'input.add':
            input_id = c['input']
            remove_input(input_id)
            inputs[input_id] = {'bins': [], 'frames': 0, 'last': 0, 'since': time.monotonic()}
            try:
                if c.get('video'):
                    add_video(input_id, c['video'])
                if c.get('audio'):
                    add_audio(input_id, c['audio'])
            except Exception:
                remove_input(input_id)  # nothing half-made is left behind
                raise
            join_scene(input_id)
        elif cmd == 'input.remove':
            remove_input(c['input'])
        elif cmd == 'scene':
            scene(c)
        elif cmd == 'graphic':
            graphic(c)
        elif cmd == 'logo':
            set_logo(c)
        elif cmd == 'preview':
            set_preview(c)
        elif cmd == 'countdown':
            at = c.get('at')
            if at is not None and not isinstance(at, (int, float)):
                raise ValueError('the countdown\'s "at" is a time in ms, or null')
            countdown.update({'at': at, 'label': str(c.get('label', '')), 'final': str(c.get('final', ''))})
            countdown_tick()
        elif cmd == 'measure':
            measure(bool(c['on']))
        elif cmd == 'keyframe':
            encoder.send_event(Gst.Event.new_custom(Gst.EventType.CUSTOM_DOWNSTREAM, Gst.Structure.new_from_string(
                'GstForceKeyUnit, all-headers=(boolean)true')))
        else:
            raise ValueError(f'unknown command {cmd!r}')
        emit({'ev': 'ack', 'id': c.get('id')})
    except Exception as err:  # a bad command is answered, the program goes on
        emit({'ev': 'nack', 'id': c.get('id'), 'error': str(err)})


pending = b''


def on_stdin(_channel, _cond):
    global pending
    chunk = os.read(0, 65536)
    if not chunk:  # the server is gone: so is its mixer
        loop.quit()
        return False
    pending += chunk
    *lines, pending = pending.split(b'\n')
    for line in lines:
        if line.strip():
            handle(line.decode('utf-8', 'replace'))
    return True


def on_message(_bus, msg):
    if msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        # An input's error (a port, a decoder) leaves the program running: that input is
        # dropped, and the server brings it back. The pipeline's own is fatal: the server
        # starts a new mixer.
        # The input bin it comes from, if any: the topmost element below the pipeline
        # (an input already removed has no parent: its late errors are ignored, and one
        # from an old bin never removes a new input of the same name).
        top = msg.src
        while top.get_parent() is not None and top.get_parent() != pipeline:
            top = top.get_parent()
        name = top.get_name() or ''
        if top in dropping:
            return True  # (a bin being stopped: its pads to the compositors are gone, so its pushes fail)
        emit({'ev': 'error', 'src': msg.src.get_name(), 'error': err.message, 'debug': dbg})
        if top is logo['bin']:
            # a picture that cannot be read: the program goes on without it (the server
            # tells the director which image it was)
            path = logo['path']
            remove_logo()
            emit({'ev': 'logo-error', 'path': path, 'error': err.message})
        elif any(top is b for b in logo['old']):
            # (a picture already replaced, still shown until its successor's first frame:
            # it goes now, and the program goes on)
            logo['old'].remove(top)
            unlink_bin(top)
        elif name.startswith(('v_', 'a_')):
            # (the input it is one of the bins of: one removed since, or made again, is not it)
            for input_id in [i for i, e in inputs.items() if any(b is top for b in e['bins'])]:
                remove_input(input_id)
                emit({'ev': 'input-error', 'input': input_id, 'error': err.message})
        elif top.get_parent() == pipeline or msg.src == pipeline:
            loop.quit()
    elif msg.type == Gst.MessageType.WARNING:
        err, dbg = msg.parse_warning()
        emit({'ev': 'warning', 'src': msg.src.get_name(), 'error': err.message, 'debug': dbg})
    elif msg.type == Gst.MessageType.STATE_CHANGED and msg.src == pipeline:
        _, new, _ = msg.parse_state_changed()
        if new == Gst.State.PLAYING and not reporting:
            emit({'ev': 'ready'})
            # (reports once it plays: none before "ready", which the server answers first)
            reporting.append(threading.Thread(target=report, name='report', daemon=True))
            reporting[0].start()
    return True


reporting = []
loop = GLib.MainLoop()
bus = pipeline.get_bus()
bus.add_signal_watch()
bus.connect('message', on_message)


def guarded(fn):
    """A main-loop callback that raises is removed by GLib: it reports instead, and stays."""
    def run(*args):
        try:
            return fn(*args)
        except Exception as err:  # noqa: BLE001
            emit({'ev': 'error', 'src': fn.__name__, 'error': str(err)})
            return True
    return run


GLib.io_add_watch(GLib.IOChannel.unix_new(0), GLib.PRIORITY_HIGH, GLib.IO_IN | GLib.IO_HUP, guarded(on_stdin))
GLib.timeout_add(1000 // (2 * FPS), guarded(tick))
GLib.timeout_add(1000 // (2 * FPS), guarded(fade_tick))
GLib.timeout_add(100, guarded(countdown_tick))
GLib.timeout_add(100, heartbeat)
silence.start(inputs, running_time, lambda text: emit({'ev': 'warning', 'src': 'cover', 'error': text}))
pipeline.set_state(Gst.State.PLAYING)
loop.run()
pipeline.set_state(Gst.State.NULL)
sys.exit(1)
