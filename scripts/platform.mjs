// @ts-check
// Installs what the tests run beside the project (platform/: Node 24, the MCP Inspector, the
// conformance suites) from its own lockfile, once per change of that lockfile. They stay out of
// the project's dependencies: they need Node 22 or newer, and a user of the server needs none of them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const root = new URL("../platform/", import.meta.url).pathname;
const stamp = `${root}node_modules/.installed-lockfile`;
const lockDigest = createHash("sha256")
  .update(readFileSync(`${root}package-lock.json`))
  .digest("hex");

if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lockDigest) {
  process.stderr.write("Installing the test platform (Node 24, MCP Inspector, conformance suites)...\n");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, INSPECTOR_SKIP_CLIENT_INSTALL: "1" },
  });
  writeFileSync(stamp, lockDigest);
}
