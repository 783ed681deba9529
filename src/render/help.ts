/**
 * Help text, as oclif's Help class prints it, from a model of the commands made at build time.
 * The loader (scripts/bundle-start.cjs) answers `--help`, `help CMD` and `CMD --help` with it
 * without reading the bundle, where oclif itself takes 20 ms or more only to load. Pure: a model
 * and the terminal's particulars in, text out.
 *
 * Only what our commands use is carried over from oclif (@oclif/core 5, lib/help/*.js: root,
 * command, formatter, docopts); helpModel() refuses a command that needs more (aliases, flag
 * summaries, help values, themes…), so the build fails rather than the help differing.
 * test/unit/render/help.test.ts compares every command's help with oclif's own at several widths,
 * in colour and without, under every name we are invoked by.
 */
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

export interface HelpArg {
  name: string;
  description?: string;
  required?: boolean;
  multiple?: boolean;
  default?: string;
  options?: string[];
}

export interface HelpFlag {
  name: string;
  type: 'boolean' | 'option';
  char?: string;
  description?: string;
  helpGroup?: string;
  multiple?: boolean;
  options?: string[];
  /** As oclif prints it (`[default: …]`), for option flags. */
  default?: string;
  env?: string;
  required?: boolean;
  allowNo?: boolean;
  exclusive?: string[];
}

export interface HelpCommand {
  id: string;
  hidden: boolean;
  strict: boolean;
  summary?: string;
  description?: string;
  args: HelpArg[];
  /** In declaration order (help sorts them), hidden ones left out. */
  flags: HelpFlag[];
  examples: string[];
}

export interface HelpModel {
  /** package.json's name and version: oclif's user agent starts with them. */
  name: string;
  version: string;
  /** package.json's description as the CLI sees it (the bundle carries none). */
  description: string;
  commands: HelpCommand[];
}

/** Where the help is printed, and how. */
export interface HelpTarget {
  /** How the user typed us (src/cli/display-name.ts). */
  bin: string;
  /** oclif's stdtermwidth: OCLIF_COLUMNS, else the terminal's columns (at least 40), else 80. */
  width: number;
  /** oclif's supports-color for stdout and stderr, and ansis's own check, both said yes. */
  color: boolean;
  /** oclif's platform (`wsl` is left to oclif), arch and Node version, for the user agent. */
  platform: string;
  arch: string;
  nodeVersion: string;
}

/** The cached command oclif hands its Help class: the fields helpModel reads. */
export interface CachedCommandLike {
  id: string;
  hidden?: boolean;
  strict?: boolean;
  summary?: string;
  description?: string;
  usage?: unknown;
  examples?: unknown;
  aliases?: string[];
  hiddenAliases?: string[];
  state?: string;
  deprecationOptions?: unknown;
  hasDynamicHelp?: boolean;
  args: Record<string, Record<string, unknown>>;
  flags: Record<string, Record<string, unknown>>;
}

const ARG_FIELDS = new Set(['name', 'description', 'required', 'multiple', 'default', 'options', 'hidden']);
const FLAG_FIELDS = new Set([
  'name',
  'type',
  'char',
  'description',
  'helpGroup',
  'multiple',
  'options',
  'default',
  'env',
  'required',
  'allowNo',
  'exclusive',
  'hidden',
  'hasDynamicHelp',
]);

export class UnsupportedHelp extends Error {
  constructor(what: string) {
    super(`the help fast path cannot render ${what}: extend src/render/help.ts (or leave it to oclif)`);
    this.name = 'UnsupportedHelp';
  }
}

/** Text templates oclif renders with ejs: only `<%= config.bin %>` is ours to fill. */
function checkTemplates(where: string, text: string | undefined): void {
  if (text && text.replaceAll('<%= config.bin %>', '').includes('<%'))
    throw new UnsupportedHelp(`${where}: ${text}`);
}

function optional<T>(value: T | undefined): T | undefined {
  return value === undefined || value === null ? undefined : value;
}

/** The model of oclif's cached commands (what `config.commands` holds), refusing what help() lacks. */
export function helpModel(
  commands: readonly CachedCommandLike[],
  pjson: { name: string; version: string; description?: string; oclif?: Record<string, unknown> },
): HelpModel {
  for (const key of ['theme', 'helpClass', 'helpOptions', 'additionalHelpFlags', 'state', 'topics'])
    if (pjson.oclif?.[key] !== undefined) throw new UnsupportedHelp(`package.json's oclif.${key}`);
  const out: HelpCommand[] = [];
  for (const command of commands) {
    const id = command.id;
    if (id.includes(':')) throw new UnsupportedHelp(`topics (${id})`);
    if (command.usage !== undefined) throw new UnsupportedHelp(`${id}: a custom usage`);
    if (command.aliases?.length || command.hiddenAliases?.length) throw new UnsupportedHelp(`${id}: aliases`);
    if (command.state || command.deprecationOptions) throw new UnsupportedHelp(`${id}: a state`);
    if (command.hasDynamicHelp) throw new UnsupportedHelp(`${id}: dynamic help`);
    const examples = command.examples ?? [];
    if (!Array.isArray(examples) || examples.some((e) => typeof e !== 'string'))
      throw new UnsupportedHelp(`${id}: examples other than strings`);
    for (const text of [command.summary, command.description, ...(examples as string[])])
      checkTemplates(id, text);
    const args: HelpArg[] = [];
    for (const arg of Object.values(command.args)) {
      for (const [key, value] of Object.entries(arg))
        if (value !== undefined && !ARG_FIELDS.has(key)) throw new UnsupportedHelp(`${id}: arg ${key}`);
      if (arg['hidden']) continue;
      checkTemplates(id, arg['description'] as string | undefined);
      if (arg['default'] !== undefined && typeof arg['default'] !== 'string')
        throw new UnsupportedHelp(`${id}: an arg default that is not a string`);
      args.push({
        name: arg['name'] as string,
        description: optional(arg['description'] as string),
        required: optional(arg['required'] as boolean),
        multiple: optional(arg['multiple'] as boolean),
        default: optional(arg['default'] as string),
        options: optional(arg['options'] as string[]),
      });
    }
    const flags: HelpFlag[] = [];
    for (const [name, flag] of Object.entries(command.flags)) {
      for (const [key, value] of Object.entries(flag))
        if (value !== undefined && !FLAG_FIELDS.has(key))
          throw new UnsupportedHelp(`${id} --${name}: ${key}`);
      if (flag['hidden']) continue;
      if (flag['hasDynamicHelp']) throw new UnsupportedHelp(`${id} --${name}: dynamic help`);
      checkTemplates(`${id} --${name}`, flag['description'] as string | undefined);
      const value = flag['default'];
      if (typeof value === 'function') throw new UnsupportedHelp(`${id} --${name}: a computed default`);
      flags.push({
        name,
        type: flag['type'] as 'boolean' | 'option',
        char: optional(flag['char'] as string),
        description: optional(flag['description'] as string),
        helpGroup: optional(flag['helpGroup'] as string),
        multiple: optional(flag['multiple'] as boolean),
        options: optional(flag['options'] as string[]),
        // oclif prints a default with a template literal, arrays joined by commas.
        default: flag['type'] === 'option' && value ? `${value as string}` : undefined,
        env: optional(flag['env'] as string),
        required: optional(flag['required'] as boolean),
        allowNo: optional(flag['allowNo'] as boolean),
        exclusive: optional(flag['exclusive'] as string[]),
      });
    }
    out.push({
      id,
      hidden: Boolean(command.hidden),
      strict: command.strict !== false,
      summary: optional(command.summary),
      description: optional(command.description),
      args,
      flags,
      examples: examples as string[],
    });
  }
  const description = (pjson.oclif?.['description'] as string | undefined) || pjson.description || '';
  checkTemplates('the root', description);
  return { name: pjson.name, version: pjson.version, description, commands: out };
}

/** The ids of the commands help lists and answers for (hidden ones are oclif's to show). */
export function helpCommandIds(model: HelpModel): string[] {
  return model.commands.filter((c) => !c.hidden).map((c) => c.id);
}

const LINE_FEED = /\r\n|\n/;

/** oclif's util compare(): sorts help's lists. */
function compare(a: unknown, b: unknown): number {
  const x = a === undefined ? 0 : a;
  const y = b === undefined ? 0 : b;
  if (Array.isArray(x) && Array.isArray(y)) {
    if (x.length === 0 && y.length === 0) return 0;
    const diff = compare(x[0], y[0]);
    return diff !== 0 ? diff : compare(x.slice(1), y.slice(1));
  }
  // oclif compares mixed kinds with < and > too (false < true; undefined made 0).
  if ((x as number) < (y as number)) return -1;
  if ((x as number) > (y as number)) return 1;
  return 0;
}

/** ejs's escapeXML, as `<%= %>` applies it to the value it inserts. */
function escapeXml(text: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
  return text.replace(/[&<>"']/g, (c) => map[c] as string);
}

type Row = [string, string | undefined];

/** One help run: oclif's HelpFormatter, CommandHelp and RootHelp over the model. */
class Formatter {
  constructor(
    private readonly target: HelpTarget,
    private readonly commandId = '',
  ) {}

  /**
   * oclif's render() as the bundle patches it (scripts/bundle.mjs): ejs only for text with `<%`.
   * A tag may have been split across lines by the usage line's own wrapping; ejs reads it whole.
   * Anything else ejs would read (or fail on) is oclif's to print.
   */
  render(text: string): string {
    if (!text.includes('<%')) return text;
    const out = text
      .replace(/<%=\s*config\.bin\s*%>/g, () => escapeXml(this.target.bin))
      .replace(/<%=\s*command\.id\s*%>/g, () => escapeXml(this.commandId));
    if (out.includes('<%') || out.includes('%>')) throw new UnsupportedHelp(`the template in: ${text}`);
    return out;
  }

  bold(text: string): string {
    return this.target.color ? `\x1b[1m${text}\x1b[22m` : text;
  }

  underline(text: string): string {
    return this.target.color ? `\x1b[4m${text}\x1b[24m` : text;
  }

  indent(body: string, spacing = 2): string {
    return spacing === 0 ? body : body.replace(/^(?!\s*$)/gm, ' '.repeat(spacing));
  }

  wrap(body: string, spacing = 2): string {
    return wrapAnsi(this.render(body), this.target.width - spacing, { hard: true });
  }

  renderList(input: Row[], indentation: number, spacer?: string): string {
    if (input.length === 0) return '';
    const multiline = (): string => {
      let output = '';
      for (const [left, right] of input) {
        if (!left && !right) continue;
        if (left) output += this.wrap(left.trim(), indentation);
        if (right) output += '\n' + this.indent(this.wrap(right.trim(), indentation + 2), 4);
        output += '\n\n';
      }
      return output.trim();
    };
    const maxLength = Math.max(
      0,
      ...input
        .map(([left]) => left)
        .join('\n')
        .split('\n')
        .map((l) => stringWidth(l)),
    );
    let output = '';
    const gap = spacer || '\n';
    let cur = '';
    for (const [left, r] of input) {
      if (cur) output += gap + cur;
      cur = left || '';
      if (!r) {
        cur = cur.trim();
        continue;
      }
      const right = this.wrap(r.trim(), indentation + maxLength + 2);
      const [first, ...lines] = right.split('\n').map((s) => s.trim());
      cur += ' '.repeat(maxLength - stringWidth(cur) + 2) + (first as string);
      if (lines.length === 0) continue;
      if (lines.length > 4) return multiline();
      cur += '\n' + this.indent(lines.join('\n'), maxLength + 2);
    }
    if (cur) output += gap + cur;
    return output.trim();
  }

  section(header: string, body: string | Row[]): string {
    const rendered =
      typeof body === 'string'
        ? this.render(body)
        : this.renderList(
            body.map(([left, right]) => [this.render(left), right && this.render(right)]),
            2,
          );
    return [this.bold(header), this.indent(rendered)].join('\n');
  }

  summary(command: HelpCommand): string | undefined {
    if (command.summary) return this.render(command.summary.split('\n', 1)[0] as string);
    return command.description && this.render(command.description).split('\n', 1)[0];
  }
}

/** Root help: `--help`, `help`, `-h` and no arguments. */
export function rootHelp(model: HelpModel, target: HelpTarget): string {
  const f = new Formatter(target);
  const description = f.render(model.description);
  const rest = description.split('\n').slice(1).join('\n');
  const userAgent = `${model.name}/${model.version} ${target.platform}-${target.arch} node-${target.nodeVersion}`;
  const root = [
    description.split('\n', 1)[0],
    f.section('VERSION', f.wrap(userAgent)),
    f.section('USAGE', f.wrap(`$ ${target.bin} [COMMAND]`)),
    rest ? f.section('DESCRIPTION', f.wrap(rest)) : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const commands = model.commands
    .filter((c) => !c.hidden)
    .sort((a, b) => compare(a.id, b.id))
    .map((c): Row => [c.id, f.summary(c)]);
  const list = commands.length ? f.section('COMMANDS', f.renderList(commands, 2, '\n')) + '\n\n' : '';
  return `${root}\n\n${list}`;
}

/** docopts' value of an option flag (`<value>`, `<option>`, or the choices), `...` when repeatable. */
function usageType(flag: HelpFlag, showOptions: boolean): string {
  if (flag.type !== 'option') return '';
  const value = flag.options ? (showOptions ? flag.options.join('|') : '<option>') : '<value>';
  return `${value}${flag.multiple ? '...' : ''}`;
}

/** oclif's DocOpts: the usage line after the command id. */
function docopts(command: HelpCommand, flags: HelpFlag[]): string {
  const opts = ['<%= command.id %>'];
  opts.push(
    ...command.args.map((arg) => {
      const suffix = arg.multiple || !command.strict ? '...' : '';
      const name = `${arg.name.toUpperCase()}${suffix}`;
      return arg.required ? name : `[${name}]`;
    }),
  );
  const flagMap = new Map(flags.map((flag) => [flag.name, flag]));
  const elements = new Map<string, string>();
  const generate = (list: HelpFlag[]): void => {
    for (const flag of list) {
      const type = flag.type === 'option' ? ` ${usageType(flag, true)}` : '';
      elements.set(flag.name, `${flag.char ? `-${flag.char}` : `--${flag.name}`}${type}`);
    }
  };
  generate(flags.filter((f) => f.required));
  generate(flags.filter((f) => !f.required));
  for (const flag of flags) {
    const exclusive = flag.exclusive ?? [];
    if (exclusive.length === 0 || !flagMap.has(flag.name)) continue;
    const required = Boolean(flag.required) || exclusive.some((name) => flagMap.get(name)?.required);
    for (const other of new Set(exclusive)) {
      elements.set(flag.name, `${elements.get(flag.name) ?? ''} | ${elements.get(other) ?? ''}`);
      elements.delete(other);
      flagMap.delete(other);
    }
    const combined = elements.get(flag.name) ?? '';
    elements.set(flag.name, required ? `(${combined})` : `[${combined}]`);
    flagMap.delete(flag.name);
  }
  for (const flag of flagMap.values()) {
    if (!flag.required) elements.set(flag.name, `[${elements.get(flag.name) ?? ''}]`);
  }
  opts.push(...elements.values());
  return opts.join(' ');
}

function flagLabel(f: Formatter, flag: HelpFlag): string {
  const labels = [flag.char ? `-${flag.char[0]}` : '  '];
  labels.push(
    flag.type === 'boolean' && flag.allowNo ? `--[no-]${flag.name.trim()}` : `--${flag.name.trim()}`,
  );
  let label = labels.join(flag.char ? ', ' : '  ');
  if (flag.type === 'option') {
    let value = usageType(flag, false);
    if (!value.includes('|')) value = f.underline(value);
    label += `=${value}`;
  }
  return label;
}

function flagRows(f: Formatter, flags: HelpFlag[]): Row[] {
  const noChar = flags.every((flag) => flag.char === undefined);
  return flags.map((flag): Row => {
    let left = flagLabel(f, flag);
    if (noChar) left = left.replace('    ', '');
    let right = flag.description || '';
    const metadata: string[] = [];
    if (flag.type === 'option' && flag.default) metadata.push(`default: ${flag.default}`);
    if (flag.env) metadata.push(`env: ${flag.env}`);
    if (metadata.length > 0) right = `[${metadata.join(', ')}] ${right}`;
    if (flag.required) right = `(required) ${right}`;
    if (flag.type === 'option' && flag.options) right += `\n<options: ${flag.options.join('|')}>`;
    return [left, right.trim()];
  });
}

/** The usage line: docopts over the flags in declaration order, as oclif reads them. */
function usage(f: Formatter, target: HelpTarget, command: HelpCommand): string {
  const u = docopts(command, command.flags);
  const allowed = target.width - 2;
  const rest = u
    .replace('<%= command.id %>', '')
    .replace(new RegExp(`^${command.id}`), '')
    .trim();
  const line = `$ ${target.bin} <%= command.id %> ${rest}`.trim();
  if (line.length > allowed) {
    const split = line.slice(0, Math.max(0, allowed)).lastIndexOf(' ');
    return line.slice(0, Math.max(0, split)) + '\n' + f.indent(f.wrap(line.slice(Math.max(0, split)), 4));
  }
  return f.wrap(line);
}

function examples(f: Formatter, target: HelpTarget, list: string[]): string | undefined {
  if (list.length === 0) return undefined;
  const ifCommand = (example: string): string => {
    const text = f.render(example);
    if (text.startsWith(target.bin)) return `$ ${text}`;
    if (text.startsWith(`$ ${target.bin}`)) return `$${text.replace('$', '')}`;
    return text;
  };
  const isCommand = (example: string): boolean => ifCommand(example).startsWith(`$ ${target.bin}`);
  return list
    .map((example) => {
      const lines = example.split(LINE_FEED).filter(Boolean);
      if (!(lines.length >= 2 && !isCommand(lines[0] as string) && lines.slice(1).every(isCommand)))
        return lines.map(ifCommand).join('\n');
      const commands = lines
        .slice(1)
        .map((c) =>
          f
            .indent(f.wrap(ifCommand(c), 8))
            .split(LINE_FEED)
            .join(' \\\n  '),
        )
        .join('\n');
      return `${f.wrap(lines[0] as string, 4)}\n\n${commands}`;
    })
    .join('\n\n');
}

/** Help of one command: `CMD --help`, `CMD -h`, `help CMD`. */
export function commandHelp(model: HelpModel, id: string, target: HelpTarget): string {
  const command = model.commands.find((c) => c.id === id);
  if (!command) throw new Error(`no command ${id} in the help model`);
  const f = new Formatter(target, id);
  const flags = [...command.flags].sort((a, b) =>
    compare([!a.char, a.char, a.name], [!b.char, b.char, b.name]),
  );
  const sections: string[] = [f.section('USAGE', usage(f, target, command))];
  if (command.args.some((a) => a.description)) {
    const rows = command.args.map((a): Row => {
      const suffix = a.multiple || !command.strict ? '...' : '';
      const name = `${a.name.toUpperCase()}${suffix}`;
      let description = a.description || '';
      if (a.default) description = `[default: ${a.default}] ${description}`;
      if (a.options) description = `(${a.options.join('|')}) ${description}`;
      return [a.required ? name : `[${name}]`, description || undefined];
    });
    sections.push(f.section('ARGUMENTS', rows));
  }
  const groups = new Map<string, HelpFlag[]>([['', []]]);
  for (const flag of flags) {
    const group = flag.helpGroup ?? '';
    groups.set(group, [...(groups.get(group) ?? []), flag]);
  }
  const flagSections = [...groups]
    .filter(([, list]) => list.length > 0)
    .map(([group, list]) => f.section(group ? `${group.toUpperCase()} FLAGS` : 'FLAGS', flagRows(f, list)));
  if (flagSections.length) sections.push(flagSections.join('\n\n'));
  if (command.description) {
    const lines = [
      ...(command.summary ? `${command.summary}\n`.split(LINE_FEED) : []),
      ...command.description.split(LINE_FEED),
    ];
    sections.push(f.section('DESCRIPTION', f.wrap(lines.join('\n'))));
  }
  const body = examples(f, target, command.examples);
  if (body) sections.push(f.section('EXAMPLES', body));
  const summary = f.summary(command);
  return `${summary ? `${summary}\n\n` : ''}${sections.join('\n\n')}\n\n`;
}
