/** Fits a source size into a preset's box, keeping the aspect ratio, never upscaling; even numbers for H.264 4:2:0. */
export function fitSize(srcW: number, srcH: number, maxW: number, maxH: number): { width: number; height: number } {
  if (!(srcW > 0 && srcH > 0)) return { width: maxW, height: maxH };
  const scale = Math.min(1, maxW / srcW, maxH / srcH);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(srcW * scale), height: even(srcH * scale) };
}
