import { SriovQueuesError } from "./errors";

/** IXGBE_82599_VMDQ_8Q_MASK: 16 pools × 8 queues. */
export const IXGBE_82599_VMDQ_8Q_MASK = 0x78;
/** IXGBE_82599_VMDQ_4Q_MASK: 32 pools × 4 queues. */
export const IXGBE_82599_VMDQ_4Q_MASK = 0x7c;
/** IXGBE_82599_VMDQ_2Q_MASK: 64 pools × 2 queues. */
export const IXGBE_82599_VMDQ_2Q_MASK = 0x7e;
/** Rx/Tx queues of an 82599 port. */
export const IXGBE_82599_QUEUES = 128;

/** Pool/queue layout ixgbe programs on an 82599 with SR-IOV enabled. */
export interface PoolLayout {
  /** Pools the hardware is partitioned into (MRQC/MTQC mode): 64, 32 or 16. */
  readonly poolMode: 64 | 32 | 16;
  /** Queues per pool: `__ALIGN_MASK(1, ~vmdqMask)` = 2, 4 or 8. */
  readonly queuesPerPool: 2 | 4 | 8;
  /** The VMDq mask ixgbe stores in `ring_feature[RING_F_VMDQ].mask`. */
  readonly vmdqMask: number;
  /** Pools in use: one per VF plus the PF's pools. */
  readonly poolsInUse: number;
  /** VFs own pools 0 … numVfs−1; the PF's first (default) pool is pool numVfs (the VMDq offset). */
  readonly numVfs: number;
  readonly pfPool: number;
  /** Queues the PF's pool spreads RSS over (`num_rx_queues_per_pool`). */
  readonly pfRssQueues: number;
  /** Traffic classes (1 without DCB). */
  readonly numTcs: 1 | 4 | 8;
}

/** Inputs of {@link ixgbeSriovQueueLayout}. */
export interface PoolLayoutOptions {
  readonly numVfs: number;
  /** `ring_feature[RING_F_RSS].limit` (RSS queues wanted by the PF; default 16 = min(CPUs, 16) on a 16-CPU host). */
  readonly rssLimit?: number;
  /** PF pools (1 plus offloaded macvlans); default 1. */
  readonly pfPools?: number;
  readonly numTcs?: 1 | 4 | 8;
}

/**
 * The layout `ixgbe_set_sriov_queues` (no DCB) or `ixgbe_set_dcb_sriov_queues` chooses
 * (drivers/net/ethernet/intel/ixgbe/ixgbe_lib.c): with more than 32 pools in use (VFs + PF) the
 * 82599 runs 64 pools × 2 queues and RSS is capped at 2; otherwise 32 pools × 4 queues and RSS of
 * 4, 2 or 1. With DCB, 8 TCs give 16 pools × 8 queues and 4 TCs give 32 × 4.
 *
 * @example
 * ```ts
 * ixgbeSriovQueueLayout({ numVfs: 63 }).poolMode;  // 64
 * ixgbeSriovQueueLayout({ numVfs: 8 }).queuesPerPool; // 4
 * ```
 */
export function ixgbeSriovQueueLayout(options: PoolLayoutOptions): PoolLayout {
  const numVfs = options.numVfs;
  const pfPools = options.pfPools ?? 1;
  const numTcs = options.numTcs ?? 1;
  const rssLimit = options.rssLimit ?? 16;
  if (!Number.isInteger(numVfs) || numVfs < 0 || numVfs > 63) {
    throw new SriovQueuesError("BAD_LAYOUT", `numVfs out of range: ${numVfs}`, { field: "numVfs" });
  }
  if (!Number.isInteger(pfPools) || pfPools < 1 || !Number.isInteger(rssLimit) || rssLimit < 1) {
    throw new SriovQueuesError("BAD_LAYOUT", "pfPools and rssLimit must be positive integers", {
      field: "pfPools",
    });
  }
  // vmdq_i includes the VMDq offset (the VF pools) before the mode is chosen.
  let pools = pfPools + numVfs;
  let poolMode: 64 | 32 | 16;
  let vmdqMask: number;
  let pfRssQueues: number;
  if (numTcs > 1) {
    if (numTcs > 4) {
      pools = Math.min(pools, 16);
      poolMode = 16;
      vmdqMask = IXGBE_82599_VMDQ_8Q_MASK;
    } else {
      pools = Math.min(pools, 32);
      poolMode = 32;
      vmdqMask = IXGBE_82599_VMDQ_4Q_MASK;
    }
    pfRssQueues = 1; // one queue per TC in the PF pool
  } else {
    pools = Math.min(pools, 64);
    if (pools > 32) {
      poolMode = 64;
      vmdqMask = IXGBE_82599_VMDQ_2Q_MASK;
      pfRssQueues = Math.min(rssLimit, 2);
    } else {
      poolMode = 32;
      vmdqMask = IXGBE_82599_VMDQ_4Q_MASK;
      pfRssQueues = rssLimit > 3 ? 4 : rssLimit > 1 ? 2 : 1;
    }
  }
  if (pools < numVfs + pfPools) {
    throw new SriovQueuesError(
      "BAD_LAYOUT",
      `${numVfs} VFs do not fit in ${poolMode} pools with ${numTcs} TCs`,
      { field: "numVfs" },
    );
  }
  // __ALIGN_MASK(1, ~mask): the lowest set bit of the mask.
  const queuesPerPool = (vmdqMask & -vmdqMask) as 2 | 4 | 8;
  return {
    poolMode,
    queuesPerPool,
    vmdqMask,
    poolsInUse: pools,
    numVfs,
    pfPool: numVfs,
    pfRssQueues,
    numTcs,
  };
}

/**
 * The hardware queue indices of a pool: `[pool × queuesPerPool, (pool+1) × queuesPerPool)`.
 *
 * @example
 * ```ts
 * poolQueues(ixgbeSriovQueueLayout({ numVfs: 40 }), 3); // { first: 6, count: 2 }
 * ```
 */
export function poolQueues(layout: PoolLayout, pool: number): { first: number; count: number } {
  if (!Number.isInteger(pool) || pool < 0 || pool >= layout.poolMode) {
    throw new SriovQueuesError("BAD_POOL", `pool ${pool} outside 0…${layout.poolMode - 1}`, {
      field: "pool",
    });
  }
  return { first: pool * layout.queuesPerPool, count: layout.queuesPerPool };
}

/** Pool that owns hardware queue `queue` (inverse of {@link poolQueues}). @example queuePool(ixgbeSriovQueueLayout({ numVfs: 40 }), 7) // 3 */
export function queuePool(layout: PoolLayout, queue: number): number {
  if (!Number.isInteger(queue) || queue < 0 || queue >= IXGBE_82599_QUEUES) {
    throw new SriovQueuesError("BAD_QUEUE", `queue ${queue} outside 0…127`, { field: "queue" });
  }
  return Math.floor(queue / layout.queuesPerPool);
}
