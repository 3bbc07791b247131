/**
 * Terminal output: colour only when stdout is a terminal (and NO_COLOR is unset), and a clean exit
 * when the reader of stdout goes away (`opentill listen | head -1`): no EPIPE crash.
 */
const colourful = Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';

const paint =
  (code: number) =>
  (text: string): string =>
    colourful ? `\u001b[${code}m${text}\u001b[0m` : text;
export const green = paint(32);
export const red = paint(31);
export const dim = paint(2);
export const bold = paint(1);

/** Progress notes go to stderr, on a terminal only (a pipe or a log file gets the results alone). */
export function progress(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${dim(line)}\n`);
}

export function out(text: string): void {
  process.stdout.write(text);
}

let watching = false;

/** Once stdout's reader is gone there is no one to tell anything: stop quietly, successfully. */
export function exitQuietlyOnClosedStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(0);
    throw error;
  });
}
