// cobra habits before oclif parses: -h, help CMD, did-you-mean, bare --plain-http/--insecure.
import { describe, expect, it } from 'vitest';
import {
  editDistance,
  looksLikeHost,
  normalizeArgv,
  suggestCommands,
  unknownCommandMessage,
} from '../../../src/cli/argv.js';
import { hostMatches, isLoopback } from '../../../src/oci/reference.js';

const commands = ['completion', 'pull', 'show', 'validate'];
const run = normalizeArgv;

describe('normalizeArgv', () => {
  it('takes -h as --help anywhere before --', () => {
    expect(run(['show', '-h'])).toEqual(['show', '--help']);
    expect(run(['-h'])).toEqual(['--help']);
    expect(run(['pull', 'x', '--', '-h'])).toEqual(['pull', 'x', '--', '-h']);
  });

  it('takes help and help CMD as cobra does', () => {
    expect(run(['help'])).toEqual(['--help']);
    expect(run(['help', 'show'])).toEqual(['show', '--help']);
    expect(run(['help', 'shwo'])).toEqual(['shwo', '--help']);
  });

  it('answers a misspelt command with the closest ones', () => {
    expect(suggestCommands('shwo', commands)).toEqual(['show']);
    expect(suggestCommands('pul', commands)).toEqual(['pull']);
    expect(suggestCommands('valid', commands)).toEqual(['validate']);
    expect(suggestCommands('frobnicate', commands)).toEqual([]);
  });

  it('gives --plain-http and --insecure without a host the value *, and keeps a host after them', () => {
    expect(run(['show', '--plain-http', 'r1'])).toEqual(['show', '--plain-http=*', 'r1']);
    expect(run(['show', 'r1', '--plain-http'])).toEqual(['show', 'r1', '--plain-http=*']);
    expect(run(['show', '--plain-http', '127.0.0.1:5000/ns/repo:tag'])).toEqual([
      'show',
      '--plain-http=*',
      '127.0.0.1:5000/ns/repo:tag',
    ]);
    expect(run(['show', '--insecure', '--debug', 'r1'])).toEqual(['show', '--insecure=*', '--debug', 'r1']);
    expect(run(['show', '--plain-http', '127.0.0.1:5000', 'r1'])).toEqual([
      'show',
      '--plain-http=127.0.0.1:5000',
      'r1',
    ]);
    expect(run(['show', '--insecure', 'registry.local', 'r1'])).toEqual([
      'show',
      '--insecure=registry.local',
      'r1',
    ]);
    expect(run(['show', '--plain-http=myhost', 'r1'])).toEqual(['show', '--plain-http=myhost', 'r1']);
  });
});

describe('looksLikeHost', () => {
  it('tells a host from a run name or a reference', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1', 'quay.io', '[::1]:5000', 'r:443'])
      expect(looksLikeHost(host), host).toBe(true);
    for (const word of ['build-app-x7k2', 'quay.io/acme/app', 'repo@sha256:ab', '-o', '--debug'])
      expect(looksLikeHost(word), word).toBe(false);
  });
});

describe('suggestions', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('shwo', 'show')).toBe(1);
    expect(editDistance('', 'pull')).toBe(4);
    expect(editDistance('pull', 'pull')).toBe(0);
    expect(suggestCommands('SHOW', commands)).toEqual(['show']);
  });

  it('words the error as cobra does', () => {
    expect(unknownCommandMessage('shwo', ['show'], 'tkn artifacts')).toBe(
      `Error: unknown command "shwo" for "tkn artifacts"\n\nDid you mean this?\n\tshow\n\nRun 'tkn artifacts --help' for usage.\n`,
    );
    expect(unknownCommandMessage('x', [], 'kubectl tkn artifacts')).not.toContain('Did you mean');
  });
});

describe('hostMatches', () => {
  it('matches a host with or without its port, and * for every host', () => {
    expect(hostMatches(['127.0.0.1'], '127.0.0.1:38883')).toBe(true);
    expect(hostMatches(['127.0.0.1:38883'], '127.0.0.1:38883')).toBe(true);
    expect(hostMatches(['127.0.0.1:5000'], '127.0.0.1:38883')).toBe(false);
    expect(hostMatches(['Registry.Local'], 'registry.local')).toBe(true);
    expect(hostMatches(['registry'], 'registry.local')).toBe(false);
    expect(hostMatches(['[::1]'], '[::1]:5000')).toBe(true);
    expect(hostMatches(['*'], 'quay.io')).toBe(true);
    expect(hostMatches([], 'quay.io')).toBe(false);
  });

  it('knows loopback hosts', () => {
    for (const h of ['localhost:5000', '127.0.0.1:1', '127.8.9.10', '[::1]:5000'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['quay.io', '10.0.0.1:5000', '127.0.0.1.example.com'])
      expect(isLoopback(h), h).toBe(false);
  });
});
