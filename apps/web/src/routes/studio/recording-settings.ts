import { DEFAULT_RETAIN_MINUTES } from '../../encoder/worker-api.ts';

/** The broadcaster's recording choices, remembered locally. */
export interface RecordSettings {
  /** Ask the relay to record the next broadcast (`hello.record`). Default on. */
  record: boolean;
  /** Minutes the studio keeps for backfill until the relay has recorded them (0–30). */
  retainMinutes: number;
  /** Also build an MP4 in this browser, to save at the end. Default off (it is held in memory). */
  localCopy: boolean;
}

const KEY = 'tabcast.recording';

export function loadRecordSettings(): RecordSettings {
  try {
    return sanitizeRecordSettings(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<RecordSettings>);
  } catch {
    return sanitizeRecordSettings({});
  }
}

export function saveRecordSettings(s: RecordSettings): void {
  localStorage.setItem(KEY, JSON.stringify(sanitizeRecordSettings(s)));
}

export function sanitizeRecordSettings(s: Partial<RecordSettings>): RecordSettings {
  const minutes = Number(s.retainMinutes ?? DEFAULT_RETAIN_MINUTES);
  return { record: s.record !== false, localCopy: s.localCopy === true, retainMinutes: Number.isFinite(minutes) ? Math.min(30, Math.max(0, minutes)) : DEFAULT_RETAIN_MINUTES };
}

export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}
