// @ts-check
// Bundles the server into dist/ with esbuild: one file to load instead of hundreds of modules
// makes a cold start faster, and code split at each dynamic import() still loads only when its
// mode runs. Type-checking is `npm run typecheck`'s job.
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const outdir = new URL("../dist/", import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  metafile: true,
  entryPoints: { index: "src/index.ts", reference: "src/tools/reference.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});
chmodSync(`${outdir}index.js`, 0o755);
writeFileSync(`${outdir}THIRD-PARTY-NOTICES.txt`, notices(Object.keys(result.metafile.inputs)));

/**
 * The bundle carries code from these packages, so it carries their licences too.
 * @param {string[]} inputs
 */
function notices(inputs) {
  const roots = new Set();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) roots.add(match[1]);
  }
  const sections = [...roots].sort().map((root) => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const licenceFile = readdirSync(root).find((name) => /^(licen[cs]e|copying)/i.test(name));
    const text = licenceFile
      ? readFileSync(join(root, licenceFile), "utf8").trim()
      : `License: ${pkg.license ?? "unknown"}`;
    return `${pkg.name}@${pkg.version} (${pkg.license ?? "unknown"})\n\n${text}`;
  });
  return `workflow-dlq-mcp bundles the following packages.\n\n${sections.join(`\n\n${"-".repeat(72)}\n\n`)}\n`;
}
