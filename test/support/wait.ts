/**
 * Polls until a check holds: runs delivered at a flow-control pace finish when the emulator's
 * clock says so, and a test can only wait and look again. A check that never holds fails the test.
 */
export async function until(check: () => boolean | Promise<boolean>, ms = 8_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
