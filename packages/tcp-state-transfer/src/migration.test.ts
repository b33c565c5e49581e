import { describe, expect, it } from "vitest";
import { TCP_TIMEOUT_INIT_US } from "./endpoint";
import { TcpStateTransferError } from "./errors";
import { measureMigrationStall } from "./migration-stall";
import { TcpSimulation } from "./simulation";

describe("migration with and without quiesce", () => {
  it("without quiesce, data in flight at the cut stalls the peer about one second (initial RTO)", () => {
    const r = measureMigrationStall({ quiesce: false });
    expect(r.intact).toBe(true);
    expect(r.report.quiesce).toBe(false);
    expect(r.report.unackedBytesAtFreeze).toBeGreaterThan(0);
    expect(r.report.lostInFlight).toBeGreaterThan(0);
    expect(r.restoredTimeouts).toBe(1);
    // The stall is the restored socket's initial RTO plus the freeze, within a few ms.
    expect(r.stallUs).toBeGreaterThanOrEqual(TCP_TIMEOUT_INIT_US);
    expect(r.stallUs).toBeLessThan(TCP_TIMEOUT_INIT_US + 20_000);
  });

  it("with quiesce, the peer sees only a few ms", () => {
    const r = measureMigrationStall({ quiesce: true });
    expect(r.intact).toBe(true);
    expect(r.report.quiesceTimedOut).toBe(false);
    expect(r.report.unackedBytesAtFreeze).toBe(0);
    expect(r.restoredTimeouts).toBe(0);
    expect(r.stallUs).toBeLessThan(10_000);
    // The whole migration (drain, dump, carry, restore) is a few ms on a 2 ms RTT link.
    expect(r.report.resumedAt - r.report.startedAt).toBeLessThan(10_000);
  });

  it("holds messages written during the quiesce and delivers them after the resume", () => {
    // A message written while the connection is frozen waits for the new host: a few ms.
    const r = measureMigrationStall({
      quiesce: true,
      cutAfterWriteUs: 0,
      intervalUs: 2_000,
      messagesAfter: 8,
    });
    expect(r.intact).toBe(true);
    expect(r.stallUs).toBeGreaterThan(r.baselineUs);
    expect(r.stallUs).toBeLessThan(15_000);
  });

  it("gives up quiescing after the timeout when the peer stops acknowledging", () => {
    const sim = new TcpSimulation();
    sim.connect();
    sim.write("b", new Uint8Array(5000).fill(3));
    sim.runFor(100);
    sim.bToA.dropNext(1000);
    sim.aToB.dropNext(1000);
    const m = sim.migrate("b", { quiesce: true, quiesceTimeoutUs: 50_000 });
    sim.runFor(100_000);
    expect(m.done).toBe(true);
    expect(m.report.quiesceTimedOut).toBe(true);
    expect(m.report.frozenAt - m.report.startedAt).toBe(50_000);
  });

  it("refuses to migrate a connection that is not synchronized", () => {
    const sim = new TcpSimulation();
    expect(() => sim.migrate("a", { quiesce: true })).toThrow(/cannot be migrated/);
  });

  it("refuses a second migration while one runs and reports before completion", () => {
    const sim = new TcpSimulation();
    sim.connect();
    const m = sim.migrate("a", { quiesce: false });
    expect(() => sim.migrate("b", { quiesce: false })).toThrow(TcpStateTransferError);
    expect(() => m.report).toThrow(TcpStateTransferError);
    sim.runFor(10_000);
    expect(m.done).toBe(true);
    expect(sim.migrations).toBe(1);
  });
});
