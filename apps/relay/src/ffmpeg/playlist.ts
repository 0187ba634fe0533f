/** Playlist edits the relay makes itself: FFmpeg runs with omit_endlist, so the stream's real end is written here. */
import fs from 'node:fs';

/** Appends #EXT-X-ENDLIST if the playlist exists and lacks it. Atomic (temp file + rename). */
export function endPlaylist(file: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (/^#EXT-X-ENDLIST\s*$/m.test(text)) return true;
  const tmp = `${file}.end.tmp`;
  fs.writeFileSync(tmp, text.replace(/\s*$/, '\n') + '#EXT-X-ENDLIST\n');
  fs.renameSync(tmp, file);
  return true;
}
