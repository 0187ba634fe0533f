export * from './errors.ts';
export * from './limits.ts';
export * from './presets.ts';
export * from './protocol.ts';
export * from './codec.ts';
export * from './api.ts';
export * from './bytes.ts';
export * from './seq-gap.ts';
