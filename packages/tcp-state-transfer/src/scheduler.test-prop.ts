import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { EventScheduler } from "./scheduler";

test.prop([fc.array(fc.tuple(fc.nat(1000), fc.boolean()), { maxLength: 200 })])(
  "events fire in (time, insertion) order and cancelled ones never fire",
  (events) => {
    const s = new EventScheduler();
    const fired: number[] = [];
    events.forEach(([t, cancel], i) => {
      const e = s.at(t, () => fired.push(i));
      if (cancel) s.cancel(e);
    });
    s.runUntil(1000);
    const expected = events
      .map(([t, cancel], i) => ({ t, cancel, i }))
      .filter((e) => !e.cancel)
      .sort((x, y) => x.t - y.t || x.i - y.i)
      .map((e) => e.i);
    expect(fired).toEqual(expected);
  },
);

// A reference: every event ever scheduled, with its clamped time and insertion number. Whatever
// the real scheduler fired must be the live events sorted by (time, insertion), in that order.
interface RefEvent {
  at: number;
  order: number;
  id: number;
  cancelled: boolean;
}

type Step =
  | { kind: "at"; t: number; children: number[] }
  | { kind: "post"; delay: number; children: number[] }
  | { kind: "cancel"; pick: number }
  | { kind: "run"; us: number }
  | { kind: "step" };

const children = fc.array(fc.nat(40), { maxLength: 2 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("at" as const), t: fc.nat(300), children }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("post" as const), delay: fc.nat(60), children }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("run" as const), us: fc.nat(80) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("step" as const) }) },
);

test.prop([fc.array(stepArb, { maxLength: 150 })])(
  "interleaved at / post / cancel / run / step, with events that schedule more events, fire in (time, insertion) order as a reference list does",
  (steps) => {
    const s = new EventScheduler();
    const log: string[] = [];
    const handles: { handle: ReturnType<EventScheduler["at"]>; ref: RefEvent }[] = [];
    const ref: RefEvent[] = [];
    let order = 0;

    const schedule = (at: number, kids: number[], posted: boolean): void => {
      const e: RefEvent = {
        at: Math.max(at, s.now),
        order: order++,
        id: ref.length,
        cancelled: false,
      };
      ref.push(e);
      const fire = (): void => {
        log.push(`${e.id}@${s.now}`);
        for (const d of kids) schedule(s.now + d, [], posted);
      };
      if (posted) s.post(at - s.now, fire, undefined, 0);
      else handles.push({ handle: s.at(at, fire), ref: e });
    };
    const expected = (n: number): string[] =>
      ref
        .filter((e) => !e.cancelled)
        .sort((x, y) => x.at - y.at || x.order - y.order)
        .slice(0, n)
        .map((e) => `${e.id}@${e.at}`);

    for (const st of steps) {
      switch (st.kind) {
        case "at":
          schedule(s.now + st.t, st.children, false);
          break;
        case "post":
          schedule(s.now + st.delay, st.children, true);
          break;
        case "cancel": {
          if (handles.length === 0) break;
          const h = handles[st.pick % handles.length]!;
          if (!h.handle.done) h.ref.cancelled = true;
          s.cancel(h.handle);
          expect(h.handle.done).toBe(true);
          break;
        }
        case "run":
          s.runFor(st.us);
          break;
        case "step":
          s.step();
          break;
      }
      expect(log).toEqual(expected(log.length));
    }
    s.runFor(10_000);
    const all = expected(ref.length);
    expect(log).toEqual(all);
    expect(s.nextTime()).toBeUndefined();
  },
);
