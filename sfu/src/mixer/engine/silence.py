# Silent inputs must not hold up the program. A live GStreamer aggregator (the
# compositor, the audio mixer) waits, before each frame it makes, for something from
# every input, until its latency runs out (67 ms for the compositor when measured below;
# about 133 ms since the inputs' jitter buffers are at 100 ms, JITTER_MS). A camera that
# went silent (a phone that locked its screen, a camera the slate covers, one whose
# network dropped) made every program frame wait that long, whether it was shown or not.
# Measured in a test pipeline (two RTP cameras into a live compositor): with one silent,
# its frames left 67 ms behind the clock, every one; with its last picture repeated as
# below, at the same time as with both alive.
#
# So, while an input is silent, the engine gives each aggregator what it waits for:
# - pictures: the input's last picture again, stamped with the time of the frame the
#   compositor is making (its position). It stops waiting, and the input's layer keeps
#   its last picture (a GAP event would also stop the wait, but GStreamer 1.22's
#   compositor then shows nothing on that layer: a black frame on air until the slate
#   comes). It lasts as little as can be: the compositor drops a picture that ends
#   before the one it has, and a real picture that comes late (still newer than the
#   repeat) must not be. (Stamped "now" with a frame's duration, a repeat could end
#   after the input's next real picture; stamped with no duration, it stopped only some
#   of the waits: test pipeline, 15 ms behind p50, 48 p95, where the position gives what
#   both inputs alive give.) An input that has sent no picture yet (just added, its
#   keyframe awaited) gets a GAP event instead: it has nothing to show.
# - sound: GAP events (silence), one after the other, from where its last sound ended
#   up to now: the audio mixer is still waiting for what is up to its latency old
#   (40 ms here). In a test pipeline (two Opus RTP inputs, one silent) its buffers left
#   40 ms behind the clock, 29 with gaps from now on, and 12 (as with both inputs alive)
#   with gaps covering the last 40 ms.
# Both are pushed into the input's branch after the probe that counts its pictures and
# sounds (the server must still see the input as silent), from a thread of their own:
# a push waits for the pad it goes into (its stream lock, taken by the input's own
# streaming thread as it pushes; a serialized query; an aggregator pad with no room),
# and the main loop must never wait on GStreamer.
import threading
import time

from gi.repository import Gst

# Silent for longer than this: at 30 frames a second, one picture late is jitter, two
# are silence (the compositor would wait on much longer). A camera sending fewer pictures
# (15 a second, or the 10 of a plain slate) is covered between them too: the repeat is
# its own latest picture, so what is shown is the same.
SILENT_AFTER = 0.05
# Sound is silent only after longer than its jitter buffer waits for a lost packet (up to
# JITTER_MS, 100 ms, holding the packets after it): a phone on 4G loses sound packets, and
# WebRTC does not send them again. At 50 ms each lost packet was taken for a silence, and
# the sound held behind it came after the gap and was thrown away: 70-90 ms of silence on
# air per packet lost (engine test, a tone with one packet in 25 lost: twelve stretches
# of 70-100 ms; at 150 ms, 10-20 ms each, the lost packet's own; and none once the
# decoder conceals it, mixer.py add_audio).
# Pictures keep 50 ms: a late picture packet (mediasoup sends a lost one again) came
# 80 ms late, one in 50, and a repeated frame was seen 5 times in 300 frames at 50 ms,
# none at 150; but a stalled camera would then hold every program frame up to 150 ms.
SOUND_SILENT_AFTER = 0.15
EVERY = 0.02  # how often it looks (a picture or a gap stamped each time)
# How far back a gap may start. Set when the audio mixer waited 40 ms; it now waits up
# to its inputs' 100 ms, so the first gap for an input long unheard may leave it waiting
# that out once (the gaps after follow one another).
SOUND_BACK = 60 * Gst.MSECOND
REPEAT_NS = 1000  # a repeat's duration (see above)


def cover_one(entry, now, running_time):
    """What one input's aggregators wait for, if it is silent. `entry`: its record in the engine (see cover)."""
    if now - entry['since'] <= SILENT_AFTER:
        return
    picture = entry.get('picture')
    if now - (entry['last'] or entry['since']) > SILENT_AFTER:
        for pad, mixer in entry.get('picture_to', ()):
            known, position = mixer.query_position(Gst.Format.TIME)
            if not known or position < 0:
                continue
            if picture is None:
                if pad.push_event(Gst.Event.new_gap(position, REPEAT_NS)):
                    entry['covered_at'] = now
                continue
            again = picture.copy()  # (a new buffer sharing the picture's memory)
            again.pts, again.dts, again.duration = position, Gst.CLOCK_TIME_NONE, REPEAT_NS
            if pad.push(again) == Gst.FlowReturn.OK:
                entry['covered_at'] = now
    sound_pad = entry.get('sound_pad')
    if sound_pad is not None and running_time is not None and now - (entry.get('heard') or entry['since']) > SOUND_SILENT_AFTER:
        # (one after the other: never over sound already received, nor over the last gap)
        start = max(running_time - SOUND_BACK, entry.get('heard_until', 0), entry.get('gap_until', 0), 0)
        if running_time > start and sound_pad.push_event(Gst.Event.new_gap(start, running_time - start)):
            entry['gap_until'] = running_time
            entry['covered_at'] = now


def covered(entry, now, within):
    """Whether a picture or a gap was given for it in the last `within` seconds (the reports say so)."""
    return now - entry.get('covered_at', float('-inf')) < within


def run(inputs, running_time, report_error):
    """
    The cover's own thread. `inputs`: id -> the engine's record of each input: 'since'
    (when it was added), 'last' (its last picture, 0 before any), 'picture' (that
    picture), 'picture_to' (for each compositor it feeds: the pad that pushes into its
    branch there, the compositor), 'heard' (its last sound), 'heard_until' (where that
    ended, running time), 'sound_pad'; `running_time()`: the pipeline's, in ns (None
    before it plays); `report_error(text)`: said once per kind of error.
    """
    said = set()
    while True:
        time.sleep(EVERY)
        now, rt = time.monotonic(), running_time()
        for input_id, entry in list(inputs.items()):  # (the main loop adds and removes)
            if entry.get('gone'):
                continue
            try:
                cover_one(entry, now, rt)
            except Exception as err:  # noqa: BLE001 — one input's trouble does not stop the others' cover
                if type(err).__name__ not in said:
                    said.add(type(err).__name__)
                    report_error(f'covering {input_id}: {err}')


def start(inputs, running_time, report_error):
    threading.Thread(target=run, args=(inputs, running_time, report_error), name='cover', daemon=True).start()
