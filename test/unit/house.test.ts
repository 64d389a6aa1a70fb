/**
 * The rules that keep the source easy to map: no import cycle (type-only imports included), no
 * source file over 400 lines, no `as unknown as` but the one commented place, and every file named
 * in docs/structure.md.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

const SOURCES = filesUnder("src").filter((file) => file.endsWith(".ts"));
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

/** Every relative module a file imports or re-exports, statically or dynamically, types included. */
function importsOf(file: string, root = ROOT): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*"(\.[^"]+)"/gms),
    ...text.matchAll(/^\s*import\s*"(\.[^"]+)"/gm),
    ...text.matchAll(/\bimport\(\s*"(\.[^"]+)"\s*\)/g),
  ].map((match) => match[1] ?? "");
  return specifiers.map((specifier) =>
    relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, ".ts"),
  );
}

/** The import cycles among `files`, each as the list of its members (Tarjan's strongly connected components). */
function cyclesAmong(files: readonly string[], root = ROOT): string[][] {
  const edges = new Map(
    files.map((file) => [file, importsOf(file, root).filter((target) => files.includes(target))]),
  );
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (edges.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

describe("the source's shape", () => {
  it("finds a cycle made only of type imports, and none in a chain (the check itself)", () => {
    const root = mkdtempSync(join(tmpdir(), "house-"));
    mkdirSync(join(root, "src/a"), { recursive: true });
    writeFileSync(join(root, "src/a/plan.ts"), 'import type { Report } from "./report.js";\n');
    writeFileSync(join(root, "src/a/report.ts"), 'import type {\n  Plan,\n} from "./plan.js";\n');
    writeFileSync(join(root, "src/a/run.ts"), 'const run = () => import("./plan.js");\n');
    const files = ["src/a/plan.ts", "src/a/report.ts", "src/a/run.ts"];
    expect(cyclesAmong(files, root)).toEqual([["src/a/plan.ts", "src/a/report.ts"]]);
    writeFileSync(join(root, "src/a/report.ts"), "export type Report = unknown;\n");
    expect(cyclesAmong(files, root)).toEqual([]);
  });

  it("has no import cycle, type-only imports included", () => {
    expect(cyclesAmong(SOURCES)).toEqual([]);
  });

  it("keeps the layers: each folder of src imports only the ones below it", () => {
    // Top-level modules (journal.ts, policy.ts, quote.ts…) are named by file; folders by name.
    const BELOW: Record<string, readonly string[]> = {
      wire: [],
      emulator: ["wire"],
      qstash: ["wire", "quote.ts", "redact.ts"],
      engine: ["qstash", "wire", "quote.ts"],
      args: ["wire", "quote.ts"],
      auth: ["quote.ts", "loopback.ts"],
      mcp: [
        "auth",
        "engine",
        "qstash",
        "wire",
        "quote.ts",
        "redact.ts",
        "journal.ts",
        "policy.ts",
        "calls.ts",
        "log.ts",
      ],
      tools: ["args", "mcp", "engine", "qstash", "wire", "quote.ts", "policy.ts"],
      transports: ["auth", "calls.ts", "log.ts", "loopback.ts", "redact.ts"],
    };
    const layerOf = (file: string) => file.split("/")[1] ?? "";
    const crossings = SOURCES.flatMap((file) => {
      const from = layerOf(file);
      const allowed = BELOW[from];
      if (allowed === undefined) return [];
      return importsOf(file)
        .map((target) => layerOf(target))
        .filter((to) => to !== from && !allowed.includes(to))
        .map((to) => `${file} → ${to}`);
    });
    expect(crossings).toEqual([]);
  });

  it("has no source file over 400 lines", () => {
    const long = SOURCES.map((file) => ({ file, lines: read(file).split("\n").length })).filter(
      (file) => file.lines > 400,
    );
    expect(long).toEqual([]);
  });

  it("casts through unknown in one commented place only", () => {
    const casts = SOURCES.flatMap((file) =>
      read(file)
        .split("\n")
        .map((line, at) => ({ file, line: at + 1, text: line }))
        .filter((line) => line.text.includes("as unknown as")),
    );
    expect(casts.map((cast) => `${cast.file}:${cast.line}`)).toHaveLength(1);
  });

  it("names every file in docs/structure.md", () => {
    const structure = read("docs/structure.md");
    const files = [
      ...SOURCES,
      ...filesUnder("scripts"),
      ...filesUnder("bench"),
      ...filesUnder("test/support"),
      ...filesUnder("docs"),
    ];
    const missing = files.filter((file) => !structure.includes(`\`${file}\``));
    expect(missing).toEqual([]);
    const folders = readdirSync(join(ROOT, "test")).filter((name) =>
      statSync(join(ROOT, "test", name)).isDirectory(),
    );
    expect(folders.filter((folder) => !structure.includes(`\`test/${folder}\``))).toEqual([]);
  });
});
