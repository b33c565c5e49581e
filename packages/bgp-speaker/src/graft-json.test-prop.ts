// Properties of the session graft's JSON form: byte strings anywhere survive the round trip
// through JSON text exactly; anything else read back is either a graft or a BAD_GRAFT error that
// names the field — never another exception.
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { BgpSpeakerError } from "./errors";
import {
  sessionGraftFromJson,
  sessionGraftToJson,
  sessionHandoverFromJson,
  sessionHandoverToJson,
} from "./graft-json";
import type { SessionGraft, SessionHandover } from "./router";

const bytes = fc.uint8Array({ maxLength: 64 });
/** JSON-like values with byte strings mixed in (no key `$base64`: that is the tag). */
const leaf = fc.oneof(bytes, fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(
      fc.string().filter((k) => k !== "$base64" && k !== "__proto__"),
      tie("v"),
      { maxKeys: 4 },
    ),
  ),
})).v;
const graft = fc
  .record({ neighbor: fc.dictionary(fc.string(), value), rib: bytes, extra: value })
  .chain((g) =>
    fc
      .record({ unprocessedInbound: bytes, fsm: value, counters: value })
      .map((session) => ({ ...g, session }) as unknown as SessionGraft),
  );

test.prop([graft])("a graft survives JSON text exactly, byte strings included", (g) => {
  const back = sessionGraftFromJson(JSON.parse(JSON.stringify(sessionGraftToJson(g))));
  expect(back).toEqual(g);
  expect(back.rib).toBeInstanceOf(Uint8Array);
  expect(back.session.unprocessedInbound).toBeInstanceOf(Uint8Array);
});

test.prop([fc.jsonValue()])(
  "any JSON is read as a graft or refused with BAD_GRAFT naming the field",
  (v) => {
    try {
      const g = sessionGraftFromJson(v);
      expect(g.rib).toBeInstanceOf(Uint8Array);
    } catch (e) {
      expect(BgpSpeakerError.isInstance(e)).toBe(true);
      expect((e as BgpSpeakerError).code).toBe("BAD_GRAFT");
      expect((e as BgpSpeakerError).where.field).toBeTruthy();
    }
  },
);

test.prop([graft, fc.constantFrom("rib", "session", "neighbor"), fc.jsonValue()])(
  "a damaged graft is refused with the damaged field named",
  (g, field, junk) => {
    const json = sessionGraftToJson(g) as Record<string, unknown>;
    fc.pre(typeof junk !== "object" || junk === null || Array.isArray(junk));
    expect(() => sessionGraftFromJson({ ...json, [field]: junk })).toThrow(
      expect.objectContaining({ code: "BAD_GRAFT", where: { field } }),
    );
  },
);

const handover = fc
  .record({
    neighbor: fc.dictionary(fc.string(), value),
    journal: fc.array(value, { maxLength: 5 }),
  })
  .chain((h) =>
    fc
      .record({ unprocessedInbound: bytes, fsm: value })
      .map((session) => ({ ...h, session }) as unknown as SessionHandover),
  );

test.prop([handover])("a handover (journal included) survives JSON text exactly", (h) => {
  const text = JSON.stringify(sessionHandoverToJson(h));
  expect(sessionHandoverFromJson(JSON.parse(text))).toEqual(h);
});

test.prop([handover, fc.jsonValue().filter((j) => !Array.isArray(j))])(
  "a handover without a journal list is refused, the field named",
  (h, junk) => {
    const json = sessionHandoverToJson(h) as Record<string, unknown>;
    expect(() => sessionHandoverFromJson({ ...json, journal: junk })).toThrow(
      expect.objectContaining({ code: "BAD_GRAFT", where: { field: "journal" } }),
    );
  },
);
