import { describe, expect, it } from "vitest";
import { TcpStateTransferError } from "./errors";
import { EventScheduler } from "./scheduler";

describe("EventScheduler", () => {
  it("fires by time, then by insertion order", () => {
    const s = new EventScheduler();
    const log: string[] = [];
    s.at(20, () => log.push("c"));
    s.at(10, () => log.push("a"));
    s.at(10, () => log.push("b"));
    s.runUntil(100);
    expect(log).toEqual(["a", "b", "c"]);
    expect(s.now).toBe(100);
  });
  it("cancels and chains events", () => {
    const s = new EventScheduler();
    const log: number[] = [];
    const e = s.after(5, () => log.push(5));
    s.after(1, () => s.after(1, () => log.push(s.now)));
    s.cancel(e);
    s.runFor(10);
    expect(log).toEqual([2]);
  });
  it("guards against runaway event loops", () => {
    const s = new EventScheduler();
    const loop = (): void => {
      s.after(0, loop);
    };
    loop();
    expect(() => s.runUntil(1, 1000)).toThrow(TcpStateTransferError);
  });
});
