/** Chooses a printer for an artifact tree; commands call this and nothing else to print. */
import type { ArtifactTree } from '../tree/model.js';
import { writeDocument } from './document.js';
import { treeNames } from './name.js';
import type { CommandIo } from '../cli/io.js';
import { linesToString } from './style.js';
import { treeTable } from './table.js';
import { treeLines, type TreeOptions } from './tree.js';

export type TreeFormat = 'tree' | 'table' | 'json' | 'yaml' | 'name';

export interface PrintOptions extends TreeOptions {
  format?: TreeFormat;
}

export async function printTree(tree: ArtifactTree, options: PrintOptions, io: CommandIo): Promise<void> {
  const stdout = io.stdout;
  const format = options.format ?? 'tree';
  switch (format) {
    case 'json':
    case 'yaml':
      await writeDocument(tree, format, stdout);
      return;
    case 'name':
      stdout.write(treeNames(tree));
      return;
    case 'table':
      stdout.write(treeTable(tree, options));
      return;
    case 'tree': {
      // Plain lines, coloured on a TTY: static output goes through no redraw loop (ink redrew a
      // tree taller than the window twice and cut long lines), so it reads the same everywhere.
      const lines = treeLines(tree, options);
      stdout.write(linesToString(lines, io.color));
      return;
    }
  }
}
