// Just enough raw HTTP/2 framing (RFC 9113 §4, §6) for the HPACK interop tests to talk to node:http2.

import type { Socket } from 'node:net';

// The wire constants are the engine's own; the HPACK tests only frame with them.
export {
  CLIENT_PREFACE as PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  Flag,
  FrameType,
  SettingId as Setting,
} from '../../../../../mesh-proxy/src/h2/index.js';
import { CLIENT_PREFACE as PREFACE, DEFAULT_MAX_FRAME_SIZE, Flag, FrameType } from '../../../../../mesh-proxy/src/h2/index.js';

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

export function settingsFrame(settings: ReadonlyArray<[id: number, value: number]> = []): Buffer {
  const payload = Buffer.alloc(settings.length * 6);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function parseSettings(payload: Buffer): Map<number, number> {
  const settings = new Map<number, number>();
  for (let i = 0; i + 6 <= payload.length; i += 6) settings.set(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
  return settings;
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/** A header block as HEADERS plus CONTINUATION frames of at most maxFrameSize each. */
export function headerFrames(streamId: number, block: Buffer, endStream: boolean, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): Buffer[] {
  const frames: Buffer[] = [];
  let offset = 0;
  do {
    const chunk = block.subarray(offset, offset + maxFrameSize);
    offset += chunk.length;
    const last = offset >= block.length;
    const first = frames.length === 0;
    const flags = (last ? Flag.END_HEADERS : 0) | (first && endStream ? Flag.END_STREAM : 0);
    frames.push(frame(first ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId, chunk));
  } while (offset < block.length);
  return frames;
}

/** The header block fragment of a HEADERS frame, without padding and priority fields (RFC 9113 §6.2). */
export function headersFragment(f: Frame): Buffer {
  let start = 0;
  let end = f.payload.length;
  if (f.flags & Flag.PADDED) {
    end -= f.payload[0]!;
    start += 1;
  }
  if (f.flags & Flag.PRIORITY) start += 5;
  return f.payload.subarray(start, end);
}

/** A complete header block: a HEADERS frame's stream, flags and its CONTINUATIONs' fragments joined. */
export interface HeaderBlock {
  streamId: number;
  endStream: boolean;
  block: Buffer;
  /** 1 for a lone HEADERS frame, more with CONTINUATIONs. */
  frames: number;
}

/**
 * Reads frames off a socket, joining HEADERS + CONTINUATION into one block. `onFrame` sees every
 * frame except HEADERS/CONTINUATION; `onHeaders` sees each joined block.
 */
export function readFrames(
  socket: Socket,
  handlers: { preface?: boolean; onFrame(f: Frame): void; onHeaders(h: HeaderBlock): void; onError(e: Error): void },
): void {
  let buffered: Buffer = Buffer.alloc(0);
  let prefaceLeft = handlers.preface ? PREFACE.length : 0;
  let open: { streamId: number; endStream: boolean; fragments: Buffer[] } | undefined;
  socket.on('data', (chunk: Buffer) => {
    try {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      if (prefaceLeft > 0) {
        if (buffered.length < prefaceLeft) return;
        if (!buffered.subarray(0, PREFACE.length).equals(PREFACE)) throw new Error('bad client connection preface');
        buffered = buffered.subarray(prefaceLeft);
        prefaceLeft = 0;
      }
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) break;
        const f: Frame = {
          type: buffered[3]!,
          flags: buffered[4]!,
          streamId: buffered.readUInt32BE(5) & 0x7fffffff,
          payload: buffered.subarray(9, 9 + length),
        };
        buffered = buffered.subarray(9 + length);
        if (f.type === FrameType.HEADERS) {
          if (open) throw new Error('HEADERS while a header block is open');
          open = { streamId: f.streamId, endStream: (f.flags & Flag.END_STREAM) !== 0, fragments: [headersFragment(f)] };
        } else if (f.type === FrameType.CONTINUATION) {
          if (!open || open.streamId !== f.streamId) throw new Error('CONTINUATION without its HEADERS');
          open.fragments.push(f.payload);
        } else {
          if (open) throw new Error(`frame type ${f.type} inside a header block`);
          handlers.onFrame(f);
          continue;
        }
        if (f.flags & Flag.END_HEADERS) {
          const { streamId, endStream, fragments } = open;
          open = undefined;
          handlers.onHeaders({ streamId, endStream, block: Buffer.concat(fragments), frames: fragments.length });
        }
      }
    } catch (error) {
      handlers.onError(error as Error);
    }
  });
}

/** GOAWAY's error code and debug text, for failure messages. */
export function describeGoaway(payload: Buffer): string {
  return `GOAWAY error code ${payload.readUInt32BE(4)} (${payload.subarray(8).toString('latin1')})`;
}
