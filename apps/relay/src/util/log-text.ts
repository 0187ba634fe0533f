/** Client-supplied text (Origin, Host, reasons) goes into logs cut to this many characters. */
export const MAX_LOGGED_CLIENT_TEXT_CHARS = 200;

/** `text` cut to `max` characters, with the original length said when it was cut. */
export function clipForLog(text: string | undefined, max = MAX_LOGGED_CLIENT_TEXT_CHARS): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} chars)`;
}
