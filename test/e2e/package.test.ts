/**
 * The published package, as a user gets it: packed, installed into an empty folder, started
 * with npx. The build bundles its dependencies, so the install needs nothing but the tarball.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectStdio } from "../support/clients.js";
import { TOOL_NAMES } from "../support/data.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

describe("the npm package", () => {
  const work = mkdtempSync(join(tmpdir(), "workflow-dlq-mcp-pack-"));
  const app = join(work, "app");
  let tarball = "";
  let files: string[] = [];

  beforeAll(async () => {
    // Packs the build `npm test` just made; rebuilding here would pull dist/ from under other tests.
    const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: root,
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, packed?.filename ?? "");
    files = (packed?.files ?? []).map((file) => file.path);
    await run("mkdir", ["-p", app]);
    await run("npm", ["init", "-y"], { cwd: app });
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: app });
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("ships the bundle, its notices, the README, the licence and server.json, and no sources or tests", () => {
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/THIRD-PARTY-NOTICES.txt");
    for (const file of ["README.md", "LICENSE", "server.json", "package.json"]) expect(files).toContain(file);
    expect(files.filter((file) => /^(src|test|bench|scripts)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith(".ts"))).toEqual([]);
  });

  it("leaves out the source maps and the README generator: a user runs neither", () => {
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(files).not.toContain("dist/reference.js");
    expect(files.filter((file) => file.startsWith("platform/"))).toEqual([]);
  });

  it("names where its source, home page and issue tracker are", () => {
    expect(packageJson.repository).toMatchObject({
      type: "git",
      url: expect.stringMatching(/^git\+https:\/\//),
    });
    expect(packageJson.homepage).toMatch(/^https:\/\//);
    expect(packageJson.bugs.url).toMatch(/^https:\/\/.*\/issues$/);
  });

  it("reports the same version from --version and from server/discover", async () => {
    const { stdout } = await run(process.execPath, [
      join(app, "node_modules/workflow-dlq-mcp/dist/index.js"),
      "--version",
    ]);
    expect(stdout.trim()).toBe(packageJson.version);
    const client = await connectStdio(
      {
        command: process.execPath,
        args: [
          join(app, "node_modules/workflow-dlq-mcp/dist/index.js"),
          "--sandbox",
          "--sandbox-entries",
          "1",
        ],
        env: { PATH: process.env.PATH ?? "", HOME: work },
      },
      "2026-07-28",
    );
    try {
      expect(client.getServerVersion()?.version).toBe(stdout.trim());
    } finally {
      await client.close();
    }
  });

  it("installs into an empty folder with nothing else from the registry", () => {
    const installed = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8")) as {
      packages: object;
    };
    expect(Object.keys(installed.packages).filter((path) => path.startsWith("node_modules/"))).toEqual([
      "node_modules/workflow-dlq-mcp",
    ]);
  });

  it("answers initialize and tools/list when started with npx --sandbox", async () => {
    const client = await connectStdio({
      command: "npx",
      args: ["workflow-dlq-mcp", "--sandbox", "--sandbox-entries", "5"],
      cwd: app,
      env: { PATH: process.env.PATH ?? "", HOME: work },
    });
    try {
      expect(client.getServerVersion()).toMatchObject({
        name: "workflow-dlq-mcp",
        version: packageJson.version,
      });
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES]);
    } finally {
      await client.close();
    }
  });

  it("describes itself for the MCP registry with the package's name and version", () => {
    const server = JSON.parse(readFileSync(join(root, "server.json"), "utf8"));
    expect(server.name).toBe(packageJson.mcpName);
    expect(server.version).toBe(packageJson.version);
    expect(server.packages[0]).toMatchObject({
      registryType: "npm",
      identifier: packageJson.name,
      version: packageJson.version,
    });
    expect(
      server.packages[0].environmentVariables.map((variable: { name: string }) => variable.name),
    ).toContain("QSTASH_TOKEN");
  });
});
