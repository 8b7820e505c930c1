"""Reading WAV files in bounded memory: the header is checked first, the samples are decoded in blocks.

:func:`open_wav` reads and checks the header (RIFF, RIFX or RF64; PCM or IEEE float, plain or
WAVE_FORMAT_EXTENSIBLE) without decoding anything, and refuses before any decoding

- a header that contradicts itself (block size or byte rate that do not match the channels and bit depth,
  a float format with integer sizes, more channels than a recording has),
- a recording over :data:`MAX_DURATION_S`, or with more samples than :data:`MAX_SAMPLES` (channels x
  frames), or a sample rate outside :data:`MIN_SAMPLE_RATE`-:data:`MAX_SAMPLE_RATE`.

:meth:`WavFile.blocks` then yields float32 blocks of at most :data:`BLOCK_SAMPLES` samples, and refuses
float samples that are not numbers (NaN, infinity): such a file is damaged and is never counted.
A file cut short (the data ends before the header says) is read up to where it ends and marked
``truncated``.

Only the standard library and numpy (no scipy: ``kneeclick count-clicks`` starts fast).
"""

from __future__ import annotations

import dataclasses
import io
import os
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

__all__ = [
    "AudioError",
    "NotWavError",
    "DamagedAudioError",
    "EmptyRecordingError",
    "UnsupportedAudioError",
    "WavFile",
    "open_wav",
    "read_source",
    "open_source",
    "spool",
    "MAX_DURATION_S",
    "MAX_SAMPLES",
    "MAX_CHANNELS",
]

MIN_SAMPLE_RATE = 4000
MAX_SAMPLE_RATE = 192_000
MAX_DURATION_S = 10 * 60  # one test is a minute or two; longer files are refused before analysis
MAX_CHANNELS = 8
#: Channels x frames: 10 minutes of 48 kHz stereo. Beyond it the file is refused from its header.
MAX_SAMPLES = MAX_DURATION_S * 48_000 * 2
#: The most samples (all channels) decoded at once.
BLOCK_SAMPLES = 1 << 18
#: Stdin is spooled to a temporary file beyond this many bytes.
_SPOOL_BYTES = 8 << 20
#: The largest data a WAV file may hold: MAX_SAMPLES of 64-bit floats, and room for other chunks.
MAX_FILE_BYTES = MAX_SAMPLES * 8 + (16 << 20)


# ---------------------------------------------------------------------------------------------- errors
class AudioError(ValueError):
    """A recording that cannot be analysed; the message is meant for the person."""


class NotWavError(AudioError):
    """The data is not a WAV file kneeclick can read (empty file, another format, truncated header)."""


class DamagedAudioError(NotWavError):
    """A WAV file whose header contradicts itself or whose samples are not numbers (NaN, infinity)."""


class EmptyRecordingError(AudioError):
    """A valid WAV file that holds no audio samples."""


class UnsupportedAudioError(AudioError):
    """A WAV file outside what the detector handles (sample rate, length, channels, size)."""


# ---------------------------------------------------------------------------------------------- sources
Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]


def read_source(source: Source) -> bytes:
    """The bytes of WAV bytes, a path or a binary file; AudioError (with the path) when a file cannot be read."""
    with open_source(source) as f:
        return f.read()


def open_source(source: Source) -> IO[bytes]:
    """A seekable binary file for any source (bytes are wrapped, not copied; a path is opened; a stream that
    cannot seek is spooled). AudioError naming the path when a file cannot be opened."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return open(path, "rb")  # noqa: SIM115 - closed by the caller's with-block
        except FileNotFoundError:
            raise AudioError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise AudioError(f"{path}: is a folder, not a WAV file") from None
        except OSError as e:
            raise AudioError(f"{path}: cannot be read ({e.strerror or e})") from None
    if hasattr(source, "read"):
        seekable = False
        if hasattr(source, "seek"):
            try:
                source.seek(0)
                seekable = bool(getattr(source, "seekable", lambda: True)())
            except (OSError, ValueError):
                seekable = False
        if seekable:
            probe = source.read(0)
            if isinstance(probe, str):
                raise NotWavError("got text, not WAV audio")
            return _Borrowed(source)
        return spool(source)
    raise TypeError(f"expected WAV bytes, a path or a binary file object, not {type(source).__name__}")


class _Borrowed(io.RawIOBase):
    """A caller's file object used without closing it."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._f.read(n)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()


def spool(stream: IO[bytes]) -> IO[bytes]:
    """Copy a stream (stdin) into memory, or a temporary file past 8 MB, refusing more than MAX_FILE_BYTES."""
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - returned to the caller
    total = 0
    while True:
        piece = stream.read(1 << 20)
        if isinstance(piece, str):
            out.close()
            raise NotWavError("got text, not WAV audio")
        if not piece:
            break
        total += len(piece)
        if total > MAX_FILE_BYTES:
            out.close()
            raise UnsupportedAudioError(
                f"the file is over {MAX_FILE_BYTES // 2**20} MB, larger than any recording of one test"
            )
        out.write(piece)
    out.seek(0)
    return out


# ---------------------------------------------------------------------------------------------- header
@dataclasses.dataclass(frozen=True)
class WavFile:
    """A checked WAV header, and the open file to decode blocks from."""

    file: IO[bytes]
    sample_rate: int
    channels: int
    bits: int
    is_float: bool
    big_endian: bool
    data_offset: int
    frames: int
    truncated: bool

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    @property
    def int_bits(self) -> int | None:
        """The integer PCM depth (None for float samples)."""
        return None if self.is_float else self.bits

    def blocks(self, frames_per_block: int | None = None) -> Iterator[np.ndarray]:
        """Float32 blocks in [-1, 1] of shape ``(frames, channels)``; DamagedAudioError on NaN or infinity."""
        width = self.bits // 8
        frame_bytes = width * self.channels
        per_block = frames_per_block or max(1, BLOCK_SAMPLES // self.channels)
        self.file.seek(self.data_offset)
        left = self.frames
        while left > 0:
            n = min(per_block, left)
            raw = self.file.read(n * frame_bytes)
            n = len(raw) // frame_bytes
            if n == 0:
                return
            left -= n
            yield self._decode(raw[: n * frame_bytes], n)

    def _decode(self, raw: bytes, n: int) -> np.ndarray:
        order = ">" if self.big_endian else "<"
        width = self.bits // 8
        if self.is_float:
            x = np.frombuffer(raw, dtype=f"{order}f{width}")
            if not np.isfinite(x).all():
                raise DamagedAudioError(
                    "a damaged WAV file: some samples are not numbers (NaN or infinity); record it again"
                )
            y = np.clip(x, -1.0, 1.0).astype(np.float32)
        elif width == 1:
            y = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) * np.float32(1 / 128)
        elif width == 3:
            b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
            if self.big_endian:
                b = b[:, ::-1]
            v = (b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)
            y = v.astype(np.float32) * np.float32(2.0**-31)
        else:
            v = np.frombuffer(raw, dtype=f"{order}i{width}")
            y = v.astype(np.float32) * np.float32(2.0 ** (1 - 8 * width))
        return y.reshape(n, self.channels)

    def read_all(self) -> np.ndarray:
        """Every sample, shape ``(frames, channels)`` (bounded by MAX_SAMPLES)."""
        out = np.empty((self.frames, self.channels), dtype=np.float32)
        i = 0
        for block in self.blocks():
            out[i : i + block.shape[0]] = block
            i += block.shape[0]
        return out[:i]


_FORMAT_PCM, _FORMAT_FLOAT, _FORMAT_EXTENSIBLE = 1, 3, 0xFFFE


def _damaged(detail: str) -> DamagedAudioError:
    return DamagedAudioError(f"a damaged or unsupported WAV file ({detail})")


def open_wav(f: IO[bytes]) -> WavFile:
    """Read and check the header of the WAV file ``f`` (seekable); nothing is decoded yet."""
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(0)
    if size == 0:
        raise NotWavError("the file is empty (0 bytes), not a WAV recording")
    head = f.read(12)
    if isinstance(head, str):
        raise NotWavError("got text, not WAV audio")
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX", b"RF64") or head[8:12] != b"WAVE":
        raise NotWavError("not a WAV file (it does not start with a RIFF/WAVE header)")
    if size > MAX_FILE_BYTES:
        raise UnsupportedAudioError(
            f"the file is {size / 2**20:.0f} MB, larger than any recording of one test "
            f"(at most {MAX_DURATION_S // 60} minutes)"
        )
    big = head[:4] == b"RIFX"
    e = ">" if big else "<"
    fmt: tuple[int, int, int, int, int, int] | None = None
    ds64_data: int | None = None
    pos = 12
    while True:
        f.seek(pos)
        chunk = f.read(8)
        if len(chunk) < 8:
            raise _damaged("no audio data chunk" if fmt else "its header or data is damaged")
        cid, csize = chunk[:4], struct.unpack(f"{e}I", chunk[4:])[0]
        body_at = pos + 8
        if cid == b"ds64" and head[:4] == b"RF64":
            body = f.read(min(csize, 28))
            if len(body) >= 16:
                ds64_data = struct.unpack("<Q", body[8:16])[0]
        elif cid == b"fmt ":
            body = f.read(min(csize, 40))
            if csize < 16 or len(body) < 16:
                raise _damaged("its format header is too short")
            tag, channels, rate, byte_rate, block_align, bits = struct.unpack(f"{e}HHIIHH", body[:16])
            if tag == _FORMAT_EXTENSIBLE:
                if len(body) < 26:
                    raise _damaged("its extensible format header is too short")
                tag = struct.unpack(f"{e}H", body[24:26])[0]
            fmt = (tag, channels, rate, byte_rate, block_align, bits)
        elif cid == b"data":
            if fmt is None:
                raise _damaged("the audio data comes before its format header")
            if head[:4] == b"RF64" and csize == 0xFFFFFFFF and ds64_data is not None:
                csize = ds64_data
            return _checked(f, fmt, big, body_at, csize, size)
        pos = body_at + csize + (csize & 1)
        if pos >= size:
            raise _damaged("no audio data chunk" if fmt else "its header or data is damaged")


def _checked(
    f: IO[bytes], fmt: tuple[int, int, int, int, int, int], big: bool, offset: int, declared: int, size: int
) -> WavFile:
    tag, channels, rate, byte_rate, block_align, bits = fmt
    if tag not in (_FORMAT_PCM, _FORMAT_FLOAT):
        raise UnsupportedAudioError(
            f"a compressed or unsupported WAV format (code {tag}); kneeclick reads uncompressed PCM or float WAV"
        )
    if channels == 0:
        raise _damaged("its header says it has no audio channels")
    if channels > MAX_CHANNELS:
        raise UnsupportedAudioError(
            f"the header says {channels} channels; kneeclick reads recordings with 1-{MAX_CHANNELS} "
            "channels (mono or stereo from a phone)"
        )
    valid_bits = (8, 16, 24, 32) if tag == _FORMAT_PCM else (32, 64)
    if bits not in valid_bits:
        kind = "integer PCM" if tag == _FORMAT_PCM else "float"
        raise _damaged(f"{bits}-bit {kind} samples are not a format kneeclick reads")
    if block_align != channels * bits // 8 or byte_rate != rate * block_align:
        raise _damaged(
            f"its header contradicts itself: {channels} channel(s) of {bits} bits need {channels * bits // 8} "
            f"bytes a frame and {rate * channels * bits // 8} bytes a second, the header says "
            f"{block_align} and {byte_rate}"
        )
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise UnsupportedAudioError(
            f"sample rate {rate} Hz is not supported (use {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz; "
            "8000-48000 Hz is typical)"
        )
    available = max(0, size - offset)
    if declared in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):  # streaming writers leave the size open: to the end
        declared = available
    truncated = declared > available
    frames = min(declared, available) // block_align
    if frames == 0:
        raise EmptyRecordingError("the recording is empty: the WAV file holds no audio")
    if frames / rate > MAX_DURATION_S:
        raise UnsupportedAudioError(
            f"the recording is {frames / rate / 60:.1f} minutes long, over the "
            f"{MAX_DURATION_S // 60}-minute limit; record one test at a time"
        )
    if frames * channels > MAX_SAMPLES:
        raise UnsupportedAudioError(
            f"the recording holds {frames * channels / 1e6:.0f} million samples, over the limit of "
            f"{MAX_SAMPLES / 1e6:.1f} million (10 minutes of 48 kHz stereo); record one test at a time"
        )
    return WavFile(f, rate, channels, bits, tag == _FORMAT_FLOAT, big, offset, frames, truncated)
