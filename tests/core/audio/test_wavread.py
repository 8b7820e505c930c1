"""Reading WAV files: damaged files are refused, never counted; big files are refused from their header, and
what is accepted is decoded in bounded memory (issue 12, findings 7 and 9; issue 13)."""

from __future__ import annotations

import struct
import tracemalloc

import numpy as np
import pytest

from core.audio.detector import (
    DamagedAudioError,
    NotWavError,
    UnsupportedAudioError,
    detect_clicks,
    read_wav,
)
from core.audio.synth import click, synth_recording, wav_bytes


def header(
    channels: int = 1,
    rate: int = 16000,
    bits: int = 16,
    tag: int = 1,
    data_bytes: int = 0,
    block_align: int | None = None,
    byte_rate: int | None = None,
) -> bytes:
    """A plain RIFF/WAVE header whose fields can be made to disagree."""
    block_align = channels * bits // 8 if block_align is None else block_align
    byte_rate = rate * block_align if byte_rate is None else byte_rate
    fmt = struct.pack("<HHIIHH", tag, channels, rate, byte_rate, block_align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_bytes)
    return b"RIFF" + struct.pack("<I", len(body) + data_bytes) + body


def float_wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    data = np.asarray(samples, dtype="<f4").tobytes()
    return header(rate=rate, bits=32, tag=3, data_bytes=len(data)) + data


@pytest.mark.parametrize("bad", (np.nan, np.inf, -np.inf))
def test_a_float_recording_with_nan_or_infinite_samples_is_refused_as_damaged(bad):
    """Finding 9: such a file used to be counted (30 clicks), with only a 'talking' warning."""
    r = synth_recording(21, sample_rate=16000, duration_s=4.0, n_clicks=4)
    x = r.samples.astype(np.float32)
    assert detect_clicks(float_wav(x)).count == 4  # the same recording, undamaged, is counted
    x[::50] = bad  # every 50th sample broken, as a faulty converter does
    with pytest.raises(DamagedAudioError, match="not numbers"):
        detect_clicks(float_wav(x))
    y = r.samples.astype(np.float32)
    y[-1] = bad  # a single bad sample at the very end is enough
    with pytest.raises(DamagedAudioError, match="NaN or infinity"):
        read_wav(float_wav(y))


def test_a_header_that_contradicts_itself_is_refused_before_decoding():
    data = np.zeros(16000, dtype="<i2").tobytes()
    lies = {
        "block size": header(channels=1, bits=16, block_align=4, data_bytes=len(data)),
        "byte rate": header(channels=1, bits=16, byte_rate=12345, data_bytes=len(data)),
        "float of 16 bits": header(bits=16, tag=3, data_bytes=len(data)),
        "no channels": header(channels=0, block_align=2, data_bytes=len(data)),
        "12-bit integers": header(bits=12, block_align=2, data_bytes=len(data)),
    }
    for what, head in lies.items():
        with pytest.raises(DamagedAudioError, match="damaged") as info:
            detect_clicks(head + data)
        assert isinstance(info.value, NotWavError), what
    assert detect_clicks(header(data_bytes=len(data)) + data).count == 0  # the honest header is read


def test_a_65535_channel_file_is_refused_from_its_header_without_decoding_it():
    """Finding 7: this 26 MB file took 0.9 GB and 18 s in the app."""
    data = bytes(26 * 2**20 // 65535 * 65535)
    wav = header(channels=65535, rate=8000, bits=8, data_bytes=len(data)) + data
    tracemalloc.start()
    try:
        with pytest.raises(UnsupportedAudioError, match="65535 channels"):
            detect_clicks(wav)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20, peak  # nothing decoded (the file itself is 26 MB)


def test_files_over_the_limits_are_refused_from_their_header(tmp_path):
    """Finding 7: a 10-minute 48 kHz stereo float file peaked at 1.7 GB. Over the limits nothing is read past
    the header (these files are sparse: their data is never touched)."""
    cases = {
        "long.wav": (header(channels=2, rate=48000, bits=16, data_bytes=11 * 60 * 48000 * 4), "11.0 minutes"),
        "dense.wav": (header(channels=2, rate=96000, bits=16, data_bytes=6 * 60 * 96000 * 4), "million samples"),
    }
    for name, (head, words) in cases.items():
        path = tmp_path / name
        with open(path, "wb") as f:
            f.write(head)
            f.truncate(len(head) + struct.unpack("<I", head[40:44])[0])
        tracemalloc.start()
        try:
            with pytest.raises(UnsupportedAudioError, match=words):
                detect_clicks(path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2**20, (name, peak)


def test_an_accepted_recording_is_analysed_in_bounded_memory(tmp_path):
    """Three minutes of 48 kHz stereo float (69 MB of samples) are counted in a fraction of that."""
    rng = np.random.default_rng(7)
    seconds, rate = 180, 48000
    x = (rng.normal(0, 0.002, (seconds * rate, 2))).astype("<f4")
    for t in (10, 60, 120, 170):  # four clicks at -20 dBFS
        c = click(rate, rng, -20.0)
        x[t * rate : t * rate + c.size] += c[:, None].astype(np.float32)
    path = tmp_path / "long.wav"
    data = x.tobytes()
    path.write_bytes(header(channels=2, rate=rate, bits=32, tag=3, data_bytes=len(data)) + data)
    del x, data
    tracemalloc.start()
    try:
        d = detect_clicks(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert d.count == 4 and d.channels == 2 and d.duration_s == pytest.approx(seconds)
    assert peak < 60 * 2**20, f"{peak / 2**20:.0f} MB"


def test_float_samples_beyond_full_scale_are_read_as_clipped_not_refused():
    x = np.zeros(16000, dtype=np.float32)
    x[8000:8010] = 3.0
    samples, _ = read_wav(float_wav(x))
    assert samples.max() == 1.0 and np.isfinite(samples).all()


def test_every_sample_format_reads_the_same_through_the_block_decoder():
    x = np.sin(np.linspace(0, 40 * np.pi, 40000)) * 0.5
    stereo = np.stack([x, -x], axis=1)
    for width in (1, 2, 3, 4, "float"):
        samples, rate = read_wav(wav_bytes(stereo, 8000, width))
        assert rate == 8000 and samples.shape == (40000, 2)
        assert np.max(np.abs(samples - stereo)) < (0.01 if width == 1 else 1e-4), width
