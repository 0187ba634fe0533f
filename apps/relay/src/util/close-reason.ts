/** A WebSocket close reason may be at most 123 bytes of UTF-8; cut on a character boundary. */
export function truncateReason(reason: string, maxBytes = 123): string {
  const enc = new TextEncoder();
  if (enc.encode(reason).byteLength <= maxBytes) return reason;
  let out = '';
  for (const ch of reason) {
    if (enc.encode(out + ch + '…').byteLength > maxBytes) break;
    out += ch;
  }
  return out + '…';
}
