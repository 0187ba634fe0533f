/**
 * Test helper: records fsync and rename calls (file or folder, in order) by wrapping node:fs, so a
 * test can check that a write is durable. Call restore() when done.
 */
import fs from 'node:fs';

export function traceFsync(): { list: string[]; restore(): void } {
  const list: string[] = [];
  const paths = new Map<number, string>();
  const { openSync, fsyncSync, renameSync } = fs;
  fs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(p, ...rest);
    paths.set(fd, String(p));
    return fd;
  }) as typeof fs.openSync;
  fs.fsyncSync = (fd: number) => {
    const p = paths.get(fd) ?? `fd ${fd}`;
    const isDir = (() => {
      try {
        return fs.fstatSync(fd).isDirectory();
      } catch {
        return false;
      }
    })();
    list.push(`${isDir ? 'fsync-dir' : 'fsync-file'} ${p}`);
    fsyncSync(fd);
  };
  fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
    list.push(`rename ${String(from)} ${String(to)}`);
    renameSync(from, to);
  };
  return {
    list,
    restore: () => {
      fs.openSync = openSync;
      fs.fsyncSync = fsyncSync;
      fs.renameSync = renameSync;
    },
  };
}
