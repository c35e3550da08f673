// Loads configuration: config/default.yaml, then config/services/<name>.yaml, then an
// optional overlay file, then environment variables; validated once, failing with the
// property's name and where its value came from.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ENV_BINDINGS, parseEnvValue, type EnvBinding } from './env.js';

/** The repository's config/ folder. */
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../../config/', import.meta.url));

export interface ConfigProblem {
  /** Dotted property path, e.g. "server.port". */
  path: string;
  /** Where the bad value came from: a file or an environment variable. */
  source: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.path} (${p.source}): ${p.message}`).join('; ')}`);
  }
}

export interface LoadConfigOptions {
  /** Service name: selects config/services/<service>.yaml. */
  service: string;
  /** Files to layer, relative to dir; default: default.yaml, then services/<service>.yaml. */
  files?: readonly string[];
  /** Folder holding default.yaml and services/; DEFAULT_CONFIG_DIR otherwise (env SHOPMESH_CONFIG_DIR). */
  dir?: string;
  /** Environment to read overrides from; process.env otherwise. */
  env?: Record<string, string | undefined>;
  /** The environment variables that override properties; default ENV_BINDINGS. */
  envBindings?: readonly EnvBinding[];
}

type Tree = Record<string, unknown>;

/** Reads, merges and validates; throws ConfigError naming every bad property. */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadConfigOptions): z.infer<S> {
  const env = options.env ?? process.env;
  const dir = options.dir ?? env['SHOPMESH_CONFIG_DIR'] ?? DEFAULT_CONFIG_DIR;
  const sources = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  let tree: Tree = {};

  const files = (options.files ?? ['default.yaml', join('services', `${options.service}.yaml`)]).map((f) => join(dir, f));
  const overlay = env['SHOPMESH_CONFIG_FILE'];
  if (overlay) files.push(overlay);
  for (const file of files) {
    const label = displayPath(file);
    if (!existsSync(file)) {
      if (file === overlay) problems.push({ path: '(file)', source: 'env SHOPMESH_CONFIG_FILE', message: `${file} does not exist` });
      continue;
    }
    let layer: unknown;
    try {
      layer = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      problems.push({ path: '(file)', source: label, message: `not valid YAML: ${(err as Error).message}` });
      continue;
    }
    if (layer === null || layer === undefined) continue;
    if (!isTree(layer)) {
      problems.push({ path: '(file)', source: label, message: 'must hold a mapping of sections' });
      continue;
    }
    recordSources(layer, '', label, sources);
    tree = merge(tree, layer);
  }

  for (const binding of options.envBindings ?? ENV_BINDINGS) {
    const raw = env[binding.env];
    if (raw === undefined || raw === '') continue;
    const parsed = parseEnvValue(binding, raw);
    if ('error' in parsed) {
      problems.push({ path: binding.path, source: `env ${binding.env}`, message: parsed.error });
      continue;
    }
    setPath(tree, binding.path, parsed.value);
    sources.set(binding.path, `env ${binding.env}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const result = schema.safeParse(tree);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const base = issue.path.map(String);
      const path = (keys.length > 0 ? [...base, keys.join(', ')] : base).join('.') || '(root)';
      return { path, source: sourceOf(sources, keys.length > 0 ? [...base, keys[0]!] : base), message: issue.message };
    }),
  );
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; anything else (arrays included) replaces. */
function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isTree(prev) && isTree(v) ? merge(prev, v) : v;
  }
  return out;
}

function recordSources(layer: Tree, prefix: string, label: string, sources: Map<string, string>): void {
  for (const [k, v] of Object.entries(layer)) {
    const path = prefix ? `${prefix}.${k}` : k;
    sources.set(path, label);
    if (isTree(v)) recordSources(v, path, label, sources);
  }
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = node[key] = isTree(next) ? next : {};
  }
  node[keys[keys.length - 1]!] = value;
}

function sourceOf(sources: Map<string, string>, path: string[]): string {
  for (let n = path.length; n > 0; n--) {
    const found = sources.get(path.slice(0, n).join('.'));
    if (found) return found;
  }
  return 'defaults (not set anywhere)';
}
