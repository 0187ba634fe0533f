/**
 * Durable file replacement: write a temporary file beside the target, fsync it, rename it over the
 * target, and fsync the folder so the rename itself survives a power cut. A reader sees the old
 * file or the new one, never half of one; after a crash the file is one of the two, never empty.
 */
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(path.dirname(file));
}

/** fsync a folder (its entries: a rename, a new file). Some filesystems refuse it; that is not an error. */
export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on filesystems without directory fsync: the rename is as durable as it gets.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
