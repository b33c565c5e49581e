/**
 * Sorted, coalesced set of free half-open ranges `[start, end)` for one NUMA node.
 * Mutable by design: the partitioner owns one per node.
 */
export class FreeList {
  starts: number[] = [];
  ends: number[] = [];

  clone(): FreeList {
    const f = new FreeList();
    f.starts = [...this.starts];
    f.ends = [...this.ends];
    return f;
  }

  /** Index of the last range whose start is ≤ addr, or -1. */
  private floorIndex(addr: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= addr) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Adds `[start, end)`, which must not overlap a free range; coalesces neighbours. */
  give(start: number, end: number): void {
    const i = this.floorIndex(start);
    const joinPrev = i >= 0 && this.ends[i] === start;
    const next = i + 1;
    const joinNext = next < this.starts.length && this.starts[next] === end;
    if (joinPrev && joinNext) {
      this.ends[i] = this.ends[next]!;
      this.starts.splice(next, 1);
      this.ends.splice(next, 1);
    } else if (joinPrev) {
      this.ends[i] = end;
    } else if (joinNext) {
      this.starts[next] = start;
    } else {
      this.starts.splice(next, 0, start);
      this.ends.splice(next, 0, end);
    }
  }

  /** True when `[start, end)` lies inside one free range. */
  contains(start: number, end: number): boolean {
    const i = this.floorIndex(start);
    return i >= 0 && this.ends[i]! >= end;
  }

  /** True when `[start, end)` intersects a free range. */
  intersects(start: number, end: number): boolean {
    const i = this.floorIndex(end - 1);
    return i >= 0 && this.ends[i]! > start;
  }

  /** Removes `[start, end)`, which must lie inside one free range. */
  take(start: number, end: number): void {
    const i = this.floorIndex(start);
    const s = this.starts[i]!;
    const e = this.ends[i]!;
    if (s === start && e === end) {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (s === start) {
      this.starts[i] = end;
    } else if (e === end) {
      this.ends[i] = start;
    } else {
      this.ends[i] = start;
      this.starts.splice(i + 1, 0, end);
      this.ends.splice(i + 1, 0, e);
    }
  }

  /** Removes whatever part of `[start, end)` is free. */
  subtract(start: number, end: number): void {
    for (let i = 0; i < this.starts.length; i++) {
      const s = Math.max(this.starts[i]!, start);
      const e = Math.min(this.ends[i]!, end);
      if (s < e) {
        this.take(s, e);
        i = -1; // indices shifted; restart (only used at construction)
      }
    }
  }

  get length(): number {
    return this.starts.length;
  }
}

export function alignUp(x: number, a: number): number {
  const r = x % a;
  return r === 0 ? x : x + (a - r);
}

export function alignDown(x: number, a: number): number {
  return x - (x % a);
}
