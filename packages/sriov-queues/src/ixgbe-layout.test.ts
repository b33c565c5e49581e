import { describe, expect, it } from "vitest";
import { ixgbeSriovQueueLayout, poolQueues, queuePool } from "./ixgbe-layout";

describe("ixgbe_set_sriov_queues / ixgbe_set_dcb_sriov_queues on the 82599", () => {
  it("63 VFs + PF → 64 pools × 2 queues, PF in pool 63 with RSS over 2", () => {
    const l = ixgbeSriovQueueLayout({ numVfs: 63 });
    expect([l.poolMode, l.queuesPerPool, l.vmdqMask, l.pfPool, l.pfRssQueues]).toEqual([
      64, 2, 0x7e, 63, 2,
    ]);
    expect(poolQueues(l, 63)).toEqual({ first: 126, count: 2 });
  });
  it("31 VFs + PF = 32 pools → 32 × 4; one more VF switches to 64 × 2", () => {
    expect(ixgbeSriovQueueLayout({ numVfs: 31 }).queuesPerPool).toBe(4);
    expect(ixgbeSriovQueueLayout({ numVfs: 32 }).queuesPerPool).toBe(2);
  });
  it("RSS of the PF pool is 4, 2 or 1 in 32-pool mode", () => {
    expect(ixgbeSriovQueueLayout({ numVfs: 4, rssLimit: 8 }).pfRssQueues).toBe(4);
    expect(ixgbeSriovQueueLayout({ numVfs: 4, rssLimit: 3 }).pfRssQueues).toBe(2);
    expect(ixgbeSriovQueueLayout({ numVfs: 4, rssLimit: 1 }).pfRssQueues).toBe(1);
    expect(ixgbeSriovQueueLayout({ numVfs: 40, rssLimit: 1 }).pfRssQueues).toBe(1);
  });
  it("DCB: 8 TCs → 16 pools × 8 queues, 4 TCs → 32 × 4", () => {
    const l8 = ixgbeSriovQueueLayout({ numVfs: 15, numTcs: 8 });
    expect([l8.poolMode, l8.queuesPerPool, l8.vmdqMask]).toEqual([16, 8, 0x78]);
    const l4 = ixgbeSriovQueueLayout({ numVfs: 31, numTcs: 4 });
    expect([l4.poolMode, l4.queuesPerPool, l4.vmdqMask]).toEqual([32, 4, 0x7c]);
    expect(() => ixgbeSriovQueueLayout({ numVfs: 16, numTcs: 8 })).toThrowError(/do not fit/);
  });
  it("queuePool inverts poolQueues", () => {
    const l = ixgbeSriovQueueLayout({ numVfs: 8 });
    expect(queuePool(l, 13)).toBe(3);
    expect(() => queuePool(l, 128)).toThrowError(/outside/);
    expect(() => poolQueues(l, 32)).toThrowError(/outside/);
  });
});
