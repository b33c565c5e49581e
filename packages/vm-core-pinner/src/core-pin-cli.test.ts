import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures, packageDir } from "../test/data";
import { corePinMain } from "./core-pin-cli";

function run(args: string[]) {
  let out = "";
  let err = "";
  const status = corePinMain(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { status, out, err };
}
const xml = path.join(fixtures, "16em64t-4s2c2t.v2.xml");

describe("core-pin", () => {
  it("prints one kernel cpu-list per request and exits 0", () => {
    const r = run([
      "--topology",
      xml,
      "--policy",
      "kubelet-static",
      "--request",
      "2",
      "--request",
      "4",
    ]);
    expect(r).toEqual({ status: 0, out: "0,8\n1,5,9,13\n", err: "" });
  });
  it("prints refused: <kubelet's text> and exits non-zero", () => {
    const r = run([
      "--topology",
      xml,
      "--policy",
      "kubelet-static",
      "--available",
      "0-3",
      "--request",
      "5",
    ]);
    expect(r.status).toBe(1);
    expect(r.out).toBe(
      "refused: not enough cpus available to satisfy request: requested=5, available=4\n",
    );
  });
  it("passes kubelet options by kubelet's names", () => {
    const r = run([
      "--topology",
      xml,
      "--policy",
      "kubelet-static",
      "--option",
      "full-pcpus-only",
      "--request",
      "3",
    ]);
    expect(r.status).toBe(1);
    expect(r.out).toBe(
      "refused: SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2\n",
    );
  });
  it("serves requests in order under NoHype with housekeeping CPUs, and prints JSON", () => {
    const r = run([
      "--topology",
      "synthetic:pack:2 numa:1 l3:1 core:8 pu:2(indexes=2*16:1*2)",
      "--policy",
      "nohype",
      "--reserved",
      "0,16",
      "--request",
      "4",
      "--request=2",
      "--json",
    ]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.requests.map((q: { cpus: string }) => q.cpus)).toEqual(["1-2,17-18", "3,19"]);
    expect(doc.reserved).toBe("0,16");
    expect(doc.requests[0].ok).toBe(true);
    expect(doc.claimed).toBe(""); // no exclusivity asked for
  });
  it("--json lists free CPUs held back by an L3-exclusive VM as claimed", () => {
    const r = run([
      "--topology",
      "synthetic:pack:2 numa:1 l3:1 core:8 pu:2(indexes=2*16:1*2)",
      "--policy",
      "nohype",
      "--option",
      "l3-exclusive",
      "--reserved",
      "0,16",
      "--request",
      "2",
      "--json",
    ]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.out);
    // vm1 takes core 1 (1,17) of package 0: package 0's other 6 free cores are claimed.
    expect(doc.requests[0].cpus).toBe("1,17");
    expect(doc.claimed).toBe("2-7,18-23");
    expect(doc.free).toBe("2-15,18-31");
  });
  it("nova policies and sysfs tarballs", () => {
    const r = run([
      "--topology",
      path.join(fixtures, "16em64t-4s2c2t.tar.bz2"),
      "--policy",
      "nova-isolate",
      "--request",
      "2",
    ]);
    // One thread of each of the first two whole cores (cores 0/8 and 1/9, in different packages).
    expect(r).toEqual({ status: 0, out: "0-1\n", err: "" });
  });
  it("usage errors exit 2 with a message", () => {
    expect(run(["--policy", "nohype", "--request", "1"]).status).toBe(2);
    expect(run(["--topology", xml, "--policy", "magic", "--request", "1"]).err).toMatch(
      /unknown policy "magic"/,
    );
    expect(run(["--topology", xml, "--policy", "nohype", "--request", "0"]).status).toBe(2);
    expect(
      run(["--topology", xml, "--policy", "nohype", "--request", "1", "--reserved", "0-99"]).err,
    ).toMatch(/not online/);
    expect(
      run(["--topology", "/nonexistent/file.xml", "--policy", "nohype", "--request", "1"]).status,
    ).toBe(2);
    expect(
      run(["--topology", xml, "--policy", "kubelet-static", "--option", "bogus", "--request", "1"])
        .err,
    ).toMatch(/unknown CPU Manager Policy option: "bogus"/);
    expect(run(["--help"]).status).toBe(0);
  });
  it("runs as a process through node", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(packageDir, "src/cli/core-pin.ts"),
        "--topology",
        xml,
        "--policy",
        "nohype",
        "--request",
        "2",
        "--request",
        "64",
      ],
      { cwd: packageDir, encoding: "utf8" },
    );
    expect(r.stdout).toBe(
      "0,8\nrefused: only 14 vCPUs fit on the 7 whole cores usable by this VM, 64 requested\n",
    );
    expect(r.status).toBe(1);
  });
});
