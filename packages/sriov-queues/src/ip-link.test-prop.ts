import { readFileSync } from "node:fs";
import path from "node:path";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { SriovQueuesError } from "./errors";
import {
  formatIpLinkSetVf,
  formatVfShowLine,
  parseIpLinkSetVf,
  parseIpLinkShowVfs,
  parseVfShowLine,
} from "./ip-link";
import { arbitraryIpLinkSetVf, arbitraryVfShowLine } from "./testing";

const fixtures = [
  "ip-link-show-link-format.txt",
  "ip-link-show-legacy-format.txt",
  "ip-link-show-legacy-rate.txt",
].map((f) => readFileSync(path.resolve(import.meta.dirname, "../fixtures", f), "utf8"));

function parsesOrThrowsOwnError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(SriovQueuesError.isInstance(e)).toBe(true);
  }
}

test.prop([arbitraryIpLinkSetVf()])("ip link set … vf: parse ∘ format = id", (cmd) => {
  const parsed = parseIpLinkSetVf(["ip", ...formatIpLinkSetVf(cmd)]);
  expect(parsed).toEqual(cmd);
});

test.prop([arbitraryVfShowLine()])("ip link show VF line: parse ∘ format = id", (line) => {
  expect(parseVfShowLine(formatVfShowLine(line))).toEqual(line);
});

test.prop([fc.string({ maxLength: 200 })])(
  "arbitrary text: VF-line parser returns or throws its own error",
  (s) => {
    parsesOrThrowsOwnError(() => parseIpLinkShowVfs(s));
    parsesOrThrowsOwnError(() => parseIpLinkSetVf(s));
  },
);

test.prop([
  fc.constantFrom(...fixtures),
  fc.array(fc.tuple(fc.nat(), fc.constantFrom("", ",", " ", "x", "9", ":", "\n", "vf 1 ")), {
    maxLength: 4,
  }),
])("mutated real output: parse or own error, never a crash", (text, edits) => {
  let t = text;
  for (const [pos, ins] of edits) {
    const i = pos % (t.length + 1);
    t = t.slice(0, i) + ins + t.slice(i + 1);
  }
  parsesOrThrowsOwnError(() => parseIpLinkShowVfs(t));
});

test.prop([arbitraryIpLinkSetVf(), fc.nat(), fc.constantFrom("", "x", "-1", "on", "4096", "vlan")])(
  "mutated commands: parse or own error",
  (cmd, pos, token) => {
    const argv = ["ip", ...formatIpLinkSetVf(cmd)];
    argv[pos % argv.length] = token;
    parsesOrThrowsOwnError(() => parseIpLinkSetVf(argv));
  },
);
