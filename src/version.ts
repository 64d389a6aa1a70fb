import { readFileSync } from "node:fs";

/** Read from package.json next to the build, so the version has one source. */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
