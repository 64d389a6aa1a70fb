/**
 * server.json is what the MCP registry reads when the server is published: it must pass the
 * registry's own schema, the one its `$schema` names, and agree with package.json on name and version.
 *
 * test/fixtures/registry-server.schema.json is that schema, byte for byte, as published at
 * https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json
 * (from github.com/modelcontextprotocol/static, schemas/2025-12-11/server.schema.json, commit a9ba437)
 * sha256 3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0
 * It is kept only as the oracle for this test: replace it, and this header, when `$schema` moves on.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

interface ValidationError {
  instancePath: string;
  keyword: string;
  message?: string;
}
interface Validator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}
interface AjvInstance {
  compile(schema: object): Validator;
}
type AjvClass = new (options: { allErrors: boolean; strict: boolean }) => AjvInstance;
type FormatsPlugin = (ajv: AjvInstance) => AjvInstance;

// ajv (draft-07) and ajv-formats come from the test platform, not the project's dependencies.
const platformRequire = createRequire(new URL("../../platform/package.json", import.meta.url));
const ajvModule = platformRequire("ajv") as AjvClass & { default?: AjvClass };
const formatsModule = platformRequire("ajv-formats") as FormatsPlugin & { default?: FormatsPlugin };
const Ajv = ajvModule.default ?? ajvModule;
const addFormats = formatsModule.default ?? formatsModule;

const readJson = (relative: string) => JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8"));
const schema = readJson("../fixtures/registry-server.schema.json");
const serverJson = readJson("../../server.json");
const packageJson = readJson("../../package.json");

// Not strict: strict mode lints how a schema is written (the registry's uses `example` and
// `required` beside `anyOf`), not what a document must satisfy.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const problems = (document: unknown) =>
  validate(document)
    ? []
    : (validate.errors ?? []).map(
        (error) => `${error.instancePath || "/"} ${error.keyword}: ${error.message}`,
      );

describe("server.json for the MCP registry", () => {
  it("names the schema kept in test/fixtures", () => {
    expect(schema.$id).toBe(serverJson.$schema);
  });

  it("passes the registry's schema", () => {
    expect(problems(serverJson)).toEqual([]);
  });

  it("carries the name and version of package.json", () => {
    expect(serverJson.name).toBe(packageJson.mcpName);
    expect(serverJson.version).toBe(packageJson.version);
    expect(serverJson.packages[0].version).toBe(packageJson.version);
  });

  it("would be rejected with a description longer than the registry allows", () => {
    const limit: number = schema.definitions.ServerDetail.properties.description.maxLength;
    expect(limit).toBeGreaterThan(0);
    const tooLong = { ...serverJson, description: "x".repeat(limit + 1) };
    expect(problems(tooLong)).toEqual([
      `/description maxLength: must NOT have more than ${limit} characters`,
    ]);
  });
});
