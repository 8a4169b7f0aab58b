/**
 * Runs `true` on every host through a transport, `concurrency` at a time: what the SSH benches
 * time as "connect + true". Returns the hosts that failed, each with why.
 */
export interface ExecOnly {
  exec(host: string, argv: string[], options: { signal: AbortSignal }): Promise<{ exitCode: number }>;
}

export async function runTrueEverywhere(transport: ExecOnly, hosts: readonly string[], concurrency: number, signal: AbortSignal): Promise<string[]> {
  const failed: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const host = hosts[next++]!;
      try {
        const result = await transport.exec(host, ['true'], { signal });
        if (result.exitCode !== 0) failed.push(`${host}: exit ${result.exitCode}`);
      } catch (error) {
        failed.push(`${host}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, hosts.length) }, worker));
  return failed;
}
