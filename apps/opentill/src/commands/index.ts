/** The command table, in the order `opentill --help` lists it: one module per command. */
import type { Command } from '../cli/command.js';
import { serve } from './serve.js';
import { listen } from './listen.js';
import { trigger } from './trigger.js';
import { reader } from './reader.js';
import { screen } from './screen.js';
import { reset } from './reset.js';
import { logs } from './logs.js';
import { cluster } from './cluster.js';

export const commands: Command[] = [serve, cluster, listen, trigger, reader, screen, reset, logs];
