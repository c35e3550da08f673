// Octets → string, one char per octet (latin1), as fast as Node allows for short header strings.

interface Latin1Slicer {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
}

// Buffer's binding accepts any Uint8Array and skips toString()'s argument normalisation
// (~85 ns against ~165 ns for a 16-octet string on Node 20). It is undocumented, so fall back.
const slice: (bytes: Uint8Array, start: number, end: number) => string =
  typeof (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice === 'function'
    ? (bytes, start, end) => (Buffer.prototype as unknown as Latin1Slicer).latin1Slice.call(bytes, start, end)
    : (bytes, start, end) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end);

/** The octets bytes[start..end) as a string with one char (0-255) per octet. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  // Below ~6 octets, String.fromCharCode beats the call into C++ (grpc-timeout, grpc-status, ports).
  switch (end - start) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(bytes[start]!);
    case 2:
      return String.fromCharCode(bytes[start]!, bytes[start + 1]!);
    case 3:
      return String.fromCharCode(bytes[start]!, bytes[start + 1]!, bytes[start + 2]!);
    case 4:
      return String.fromCharCode(bytes[start]!, bytes[start + 1]!, bytes[start + 2]!, bytes[start + 3]!);
    default:
      return slice(bytes, start, end);
  }
}
