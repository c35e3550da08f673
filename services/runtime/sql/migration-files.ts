// Migration files: naming rules, reading a folder, and choosing each version's file for a dialect.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DialectKind } from './dialect.js';

/** A migration step failed or the migrations folder is not valid; the message names the file. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';

  constructor(
    message: string,
    readonly file?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Which engines a file runs on: both, or only the one named in its suffix. */
export type MigrationTarget = 'all' | DialectKind;

export interface MigrationFileName {
  fileName: string;
  version: number;
  /** "0001_create_products": the file name without dialect suffix and extension. */
  name: string;
  target: MigrationTarget;
}

export interface MigrationFile extends MigrationFileName {
  sql: string;
}

/** One version as it applies to one dialect. */
export interface PlannedMigration {
  version: number;
  name: string;
  /** The file to run, or undefined when this version has nothing for the dialect (still recorded). */
  fileName: string | undefined;
  sql: string;
  /** sha256 (hex) of what runs here: the file's bytes, or of "" when nothing runs. */
  checksum: string;
}

const FILE_NAME_PATTERN = /^(\d{4})_([a-z0-9_]+)(?:\.(postgres|cockroachdb))?\.sql$/;

/** Parses a migration file name; undefined when it is not one. */
export function parseMigrationFileName(fileName: string): MigrationFileName | undefined {
  const match = FILE_NAME_PATTERN.exec(fileName);
  if (match === null) return undefined;
  const [, digits, slug, dialect] = match;
  return {
    fileName,
    version: Number(digits),
    name: `${digits}_${slug}`,
    target: (dialect as DialectKind | undefined) ?? 'all',
  };
}

/**
 * Files the runner leaves alone: documentation, and hidden files (.gitkeep, editor swap
 * files) that no one means as a migration.
 */
export function isIgnoredFile(fileName: string): boolean {
  return fileName.startsWith('.') || /^readme(\.[a-z0-9]+)?$/i.test(fileName) || /\.md$/i.test(fileName);
}

/**
 * Validates a folder's files and groups them by version, in version order. A version is
 * either one file for all engines or one file per engine; anything else is an error naming
 * the files, as is any name outside the pattern (a typo would otherwise be skipped silently).
 */
export function groupMigrations(files: MigrationFile[]): MigrationFile[][] {
  const byVersion = new Map<number, MigrationFile[]>();
  for (const file of files) {
    const group = byVersion.get(file.version) ?? [];
    group.push(file);
    byVersion.set(file.version, group);
  }
  const groups = [...byVersion.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
  for (const group of groups) {
    const names = group.map((f) => f.fileName).sort();
    const listed = names.join(', ');
    if (new Set(group.map((f) => f.name)).size > 1) {
      throw new MigrationError(`migrations ${listed} share version ${group[0]!.version} under different names`, names[0]);
    }
    const targets = group.map((f) => f.target);
    if (targets.includes('all') && group.length > 1) {
      throw new MigrationError(
        `migrations ${listed}: a version has either one .sql file for all engines or .postgres.sql/.cockroachdb.sql files, not both`,
        names[0],
      );
    }
  }
  return groups;
}

/** What runs on `dialect` for each version, with the checksum recorded for it. */
export function planForDialect(groups: MigrationFile[][], dialect: DialectKind): PlannedMigration[] {
  return groups.map((group) => {
    const first = group[0]!;
    const chosen = group.find((f) => f.target === 'all' || f.target === dialect);
    const sql = chosen?.sql ?? '';
    return {
      version: first.version,
      name: first.name,
      fileName: chosen?.fileName,
      sql,
      checksum: sha256(sql),
    };
  });
}

/** Reads every migration in `dir` (not recursive); throws MigrationError naming a bad file. */
export async function readMigrationDir(dir: string): Promise<MigrationFile[][]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    if (isIgnoredFile(entry.name)) continue;
    const parsed = parseMigrationFileName(entry.name);
    if (parsed === undefined || !entry.isFile()) {
      throw new MigrationError(
        `${path.join(dir, entry.name)} is not a migration: names must match NNNN_lower_snake[.postgres|.cockroachdb].sql`,
        entry.name,
      );
    }
    files.push({ ...parsed, sql: await readFile(path.join(dir, entry.name), 'utf8') });
  }
  return groupMigrations(files);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
