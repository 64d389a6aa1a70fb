/**
 * Each tool as tools/list publishes it, compared with a committed snapshot
 * (`test/__toolsnaps__/<tool>.snap`), so a change to a name, a description or a schema is a
 * reviewed diff rather than a side effect. A maintainer refreshes them on purpose:
 * `UPDATE_TOOLSNAPS=1 npm test`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QStashClient } from "../../src/qstash/client.js";
import { createServer } from "../../src/server.js";
import { TOOLS } from "../../src/tools/index.js";
import { listTools } from "../support/tools-list.js";

const SNAPS = new URL("../__toolsnaps__/", import.meta.url);
const updating = process.env.UPDATE_TOOLSNAPS === "1";

function publishedTools() {
  return listTools(
    createServer({
      client: new QStashClient({ baseUrl: "http://127.0.0.1:9", token: undefined }),
      log: { log: () => {} },
    }),
  );
}

describe("tool snapshots", () => {
  it("every tool's tools/list entry is its committed snapshot, and every snapshot is a tool", async () => {
    const tools = await publishedTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
    if (updating) mkdirSync(SNAPS, { recursive: true });
    for (const tool of tools) {
      const file = new URL(`${tool.name}.snap`, SNAPS);
      const published = `${JSON.stringify(tool, null, 2)}\n`;
      if (updating) writeFileSync(file, published);
      expect(existsSync(file), `no snapshot for ${tool.name}: run UPDATE_TOOLSNAPS=1 npm test`).toBe(true);
      expect(
        readFileSync(file, "utf8"),
        `${tool.name} changed: review the diff, then UPDATE_TOOLSNAPS=1`,
      ).toBe(published);
    }
    const snapped = existsSync(SNAPS) ? readdirSync(SNAPS).filter((name) => name.endsWith(".snap")) : [];
    expect(snapped.sort()).toEqual(tools.map((tool) => `${tool.name}.snap`).sort());
  });
});
