// Loaded with --import into a server process a test starts: that replica's clock runs
// WORKFLOW_DLQ_MCP_TEST_CLOCK_OFFSET_MS ahead of (or behind) the machine's, as a replica's clock
// can run ahead of QStash's. Only Date.now moves: it is what every timestamp the server takes reads.
const offset = Number(process.env.WORKFLOW_DLQ_MCP_TEST_CLOCK_OFFSET_MS ?? 0);
const machineNow = Date.now;
Date.now = () => machineNow() + offset;
