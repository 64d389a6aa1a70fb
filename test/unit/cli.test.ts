import { describe, expect, it } from "vitest";
import { helpText, parseCommandLine } from "../../src/cli.js";
import { toolsFor } from "../../src/tools/index.js";
import { toolNamesIn } from "../support/data.js";

const parse = (...argv: string[]) => parseCommandLine(argv, {});
const problem = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
};

describe("the command line as a new user types it", () => {
  it.each([
    [["-h"], "help"],
    [["-v"], "version"],
    [["emulator", "-h"], "help"],
    [["--sandbox", "-v"], "version"],
  ])("%j is %s", (argv, command) => {
    expect(parse(...argv).command).toBe(command);
  });

  it.each([
    [["--x"], "Unknown option --x. Run workflow-dlq-mcp --help."],
    [["-x"], "Unknown option -x. Run workflow-dlq-mcp --help."],
    [["--sandbox", "--verbose"], "Unknown option --verbose. Run workflow-dlq-mcp --help."],
    [["--timeout"], "--timeout needs a value, as in --timeout SECONDS. Run workflow-dlq-mcp --help."],
    [
      ["--sandbox=yes"],
      "--sandbox is a switch and takes no value: write --sandbox alone. Run workflow-dlq-mcp --help.",
    ],
  ])("%j says what is wrong and where to look, nothing about positionals", (argv, message) => {
    expect(problem(...argv)).toBe(message);
  });

  const readOnlyNames = toolsFor({ readOnly: true }).map((tool) => tool.name);
  const help = helpText("0.0.0", readOnlyNames);

  it("lists the short forms in the help", () => {
    expect(help).toMatch(/-h, --help/);
    expect(help).toMatch(/-v, --version/);
  });

  it("names under --read-only exactly the tools read-only mode keeps", () => {
    const line = help.split("\n").find((text) => text.trimStart().startsWith("--read-only")) ?? "";
    expect(toolNamesIn(line)).toEqual([...readOnlyNames].sort());
  });
});

describe("--journal to stdout", () => {
  it.each(["-", "/dev/stdout", "/dev/fd/1"])(
    "refuses %s over stdio, where stdout carries JSON-RPC",
    (path) => {
      expect(problem("--journal", path)).toMatch(
        /--journal - writes the journal to stdout, which carries JSON-RPC over stdio/,
      );
    },
  );

  it("takes it with --http, and still shows help with --help", () => {
    expect(parse("--http", "--journal", "-").flags.journal).toBe("-");
    expect(parse("--journal", "-", "--help").command).toBe("help");
  });
});

describe("sign-in flags", () => {
  const issuer = ["--oauth-issuer", "https://id.example.com/oauth2/default"];
  const resource = ["--resource-url", "https://dlq.example.com/mcp"];

  it("takes an issuer and a resource URL with --http, from flags or the environment", () => {
    expect(parse("--http", ...issuer, ...resource).flags).toMatchObject({
      "oauth-issuer": "https://id.example.com/oauth2/default",
      "resource-url": "https://dlq.example.com/mcp",
    });
    const fromEnv = parseCommandLine(["--http"], {
      WORKFLOW_DLQ_MCP_OAUTH_ISSUER: "https://id.example.com",
      WORKFLOW_DLQ_MCP_RESOURCE_URL: "https://dlq.example.com/mcp",
    });
    expect(fromEnv.flags["oauth-issuer"]).toBe("https://id.example.com");
  });

  it.each([
    [["--http", ...issuer, ...resource, "--auth-token", "s3cret"], /two ways to let clients in: keep one/],
    [[...issuer, ...resource], /add --http/],
    [["--http", ...issuer], /needs both --oauth-issuer .* and --resource-url/],
    [["--http", ...resource], /needs both/],
    [
      ["--http", "--oauth-issuer", "http://id.example.com", ...resource],
      /must be an https URL \(http only on localhost\)/,
    ],
    [["--http", ...issuer, "--resource-url", "dlq.example.com/mcp"], /takes an absolute URL/],
    [["--http", ...issuer, "--resource-url", "https://dlq.example.com/mcp#x"], /without query or fragment/],
    [
      ["--http", ...issuer, ...resource, "--oauth-scope-map", "read=a"],
      /takes dlq:read=SCOPE,dlq:write=SCOPE/,
    ],
    [
      ["--http", ...issuer, ...resource, "--oauth-scope-map", "dlq:read=x,dlq:write=x"],
      /a read-only caller could change/,
    ],
    [["--http", ...issuer, ...resource, "--oauth-scope-map", 'dlq:read=a"b'], /is not a scope name/],
  ])("%j is refused, saying what to change", (argv, message) => {
    expect(problem(...argv)).toMatch(message);
  });

  it("never repeats a URL that carries a password", () => {
    const said = problem("--http", ...issuer, "--resource-url", "http://ops:hunter2@dlq.example.com/mcp");
    expect(said).toMatch(/without a user name or password/);
    expect(said).not.toContain("hunter2");
  });

  it("accepts http on loopback, for a provider on this machine", () => {
    expect(() =>
      parse(
        "--http",
        "--oauth-issuer",
        "http://127.0.0.1:8080",
        "--resource-url",
        "http://localhost:3333/mcp",
      ),
    ).not.toThrow();
  });
});
