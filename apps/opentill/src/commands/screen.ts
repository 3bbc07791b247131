/**
 * `opentill screen tmr_…`: the URL of a reader's virtual screen (a fresh screen session), printed,
 * and opened in the default browser with `--open`.
 */
import { spawn } from 'node:child_process';
import { UsageError, booleanFlag, stringFlag, type Command } from '../cli/command.js';
import { ApiFailure, refusal, client, clientFlags } from '../cli/client.js';
import { screenUrl } from './reader.js';

/** The platform's "open this URL" command. */
export function opener(platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

export const screen: Command = {
  name: 'screen',
  summary: 'Print (or open) the virtual screen URL of a reader',
  usage: ['screen <reader id> [--open] [--lang <code>]'],
  positionalsMax: 1,
  flags: [
    { name: 'open', short: 'o', type: 'boolean', help: 'open it in the default browser too' },
    {
      name: 'lang',
      type: 'string',
      value: 'code',
      help: "the screen's language: en, fr, de, es, it, nl (default: from the\nreader's location country)",
    },
    ...clientFlags,
  ],
  examples: ['opentill screen tmr_4NDSg6Hhq3a5zMx', 'opentill screen tmr_4NDSg6Hhq3a5zMx --open --lang fr'],
  async run({ values, positionals }) {
    const [readerId] = positionals;
    if (!readerId)
      throw new UsageError(
        'opentill screen: name a reader, e.g. opentill screen tmr_… (list them: curl …/v1/terminal/readers)',
      );
    if (!/^tmr_\w{1,100}$/.test(readerId))
      throw new UsageError(`opentill screen: '${readerId}' is not a reader id (tmr_…)`);
    const lang = stringFlag(values, 'lang');
    if (lang !== undefined && !/^[a-z]{2}$/.test(lang))
      throw new UsageError(`--lang: '${lang}' is not a two-letter language code (e.g. en, fr)`);
    const api = client(values);
    let url: string;
    try {
      url = await screenUrl(api, readerId);
    } catch (error) {
      if (error instanceof ApiFailure) throw refusal(`the screen of ${readerId}`, error);
      throw error;
    }
    if (lang) url += `${url.includes('?') ? '&' : '?'}lang=${lang}`;
    process.stdout.write(`${url}\n`);
    if (booleanFlag(values, 'open')) {
      const { command, args } = opener();
      const child = spawn(command, [...args, url], { stdio: 'ignore', detached: true });
      child.on('error', () =>
        process.stderr.write(`opentill screen: could not run ${command}; open the URL above yourself\n`),
      );
      child.unref();
    }
  },
};
