# Silent inputs must not hold up the program. A live GStreamer aggregator (the
# compositor, the audio mixer) waits, before each frame it makes, for something from
# every input, until its latency runs out (67 ms for the compositor here). A camera that
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
#   both inputs alive give.)
# - sound: a GAP event (silence) from where its last sound ended up to now: the audio
#   mixer is still waiting for what is up to its latency old (40 ms here). In a test
#   pipeline (two Opus RTP inputs, one silent) its buffers left 40 ms behind the clock,
#   29 with gaps from now on, and 12 (as with both inputs alive) with gaps from 40 ms
#   back. (Sound later than that is dropped by its jitter buffer anyway: its latency is 30 ms.)
# Both are pushed from the main loop into the input's branch, after the probe that
# counts its pictures and sounds (the server must still see the input as silent), where
# its own streaming thread pushes when it is not silent (the pad's stream lock keeps
# the two apart).
from gi.repository import Gst

# Silent for longer than this: one picture late is jitter, two are silence. (A 30 fps
# camera's pictures come every 33 ms; the compositor gives up after 67.)
SILENT_AFTER = 0.05
EVERY_MS = 20  # how often the main loop looks (a picture or a gap stamped each time)
SOUND_BACK = 60 * Gst.MSECOND  # how far back a gap may start (more than the audio mixer's latency)
REPEAT_NS = 1000  # a repeat's duration (see above)


def cover(inputs, now, running_time):
    """
    From the main loop: for each input silent for SILENT_AFTER, what its aggregators wait
    for. `inputs`: id -> entry with 'picture' (its last picture), 'picture_to' (for each
    compositor it feeds: the pad that pushes into its branch there, the compositor), 'heard' (when its last sound came), 'heard_until' (where it ended,
    running time) and 'sound_pad'; `now`:
    time.monotonic(); `running_time`: the pipeline's, in ns.
    """
    for entry in list(inputs.values()):
        picture = entry.get('picture')
        if picture is not None and now - entry['last'] > SILENT_AFTER:
            for pad, mixer in entry.get('picture_to', ()):
                known, position = mixer.query_position(Gst.Format.TIME)
                if not known or position < 0:
                    continue
                again = picture.copy()  # (a new buffer sharing the picture's memory)
                again.pts, again.dts, again.duration = position, Gst.CLOCK_TIME_NONE, REPEAT_NS
                pad.push(again)  # (FLUSHING when the input is being removed: nothing to do)
        sound_pad = entry.get('sound_pad')
        if sound_pad is not None and running_time is not None and entry.get('heard') and now - entry['heard'] > SILENT_AFTER:
            start = max(0, running_time - SOUND_BACK, entry.get('heard_until', 0))
            sound_pad.push_event(Gst.Event.new_gap(start, running_time - start + EVERY_MS * Gst.MSECOND))
