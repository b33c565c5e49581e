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
