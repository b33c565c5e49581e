// dyninfra as a BMP monitored router (RFC 7854) reporting to pmacct's pmbmpd, a real BMP
// collector: D peers with BIRD (500 real prefixes) and reports to pmbmpd in a third namespace;
// pmbmpd must log the Initiation, BIRD's Peer Up, a Route Monitoring message per route with BIRD's
// address, AS and AS path, the withdrawals when BIRD withdraws 100 routes, and a Peer Down when
// BIRD's session ends — and, monitored too, BIRD's routes after D's import policy (L flag), D's
// Loc-RIB (RFC 9069) and what D sends BIRD (Adj-RIB-Out, RFC 8671).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BMP_MONITORING } from "../../src/bmp";
import { bird500BesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import { tablePresent } from "./routes";

const ready =
  isRoot && which("ip") && which("bird") && which("birdc") && which("pmbmpd") && tablePresent;
if (!ready)
  console.warn(
    "interop BMP: skipped — needs root, iproute2, BIRD, pmacct (pmbmpd) and ../shared/data/bgp",
  );

/** Prefixes D originates (in its Loc-RIB and sent to BIRD). */
const OWN = ["203.0.113.0/24", "198.51.100.128/25"];

describe.runIf(ready)("interop: dyninfra reporting to pmacct's BMP collector (pmbmpd)", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("pmbmpd logs D's Initiation, BIRD's Peer Up, every route and withdrawal, and the Peer Down", async () => {
    const { prefixes, nsD, birdc } = await bird500BesideD(lab);
    const nsM = await lab.ns("m");
    await lab.link(nsD, "198.51.100.1/24", nsM, "198.51.100.9/24");
    const out = join(lab.dir, "bmp.json");
    const conf = join(lab.dir, "pmbmpd.conf");
    writeFileSync(
      conf,
      [
        "daemonize: false",
        "bmp_daemon_ip: 198.51.100.9",
        "bmp_daemon_port: 1790",
        `bmp_daemon_msglog_file: ${out}`,
        "bmp_daemon_msglog_output: json",
        `logfile: ${join(lab.dir, "pmbmpd.log")}`,
      ].join("\n"),
    );
    lab.spawn(nsM, "pmbmpd", "pmbmpd", ["-f", conf]);
    await waitFor(
      "pmbmpd to listen",
      async () => (await run("ip", ["netns", "exec", nsM, "ss", "-ltnH"])).includes(":1790"),
      10_000,
      100,
    );
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      ...dyninfraD([dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1")], OWN),
      bmp: {
        host: "198.51.100.9",
        port: 1790,
        sysName: "router-d",
        statisticsInterval: 1,
        // Every mode. pmbmpd does not log Route Mirroring messages but must read past them:
        // what follows (statistics, withdrawals, Peer Down) is still logged.
        monitoring: [...BMP_MONITORING],
      },
    });
    const records = () => {
      let text = "";
      try {
        text = readFileSync(out, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    // Route Monitoring of BIRD's Adj-RIB-In (pre-policy), of what D sends BIRD (Adj-RIB-Out,
    // before and after export policy) and of D's Loc-RIB, told apart by pmbmpd's is_out / is_loc
    // / is_post.
    const rmOf = (type: string, rib: "in" | "post" | "out-pre" | "out" | "loc") =>
      records().filter(
        (r) =>
          r.bmp_msg_type === "route_monitor" &&
          r.log_type === type &&
          (rib === "loc"
            ? r.is_loc === 1
            : rib === "out" || rib === "out-pre"
              ? r.is_out === 1 && (rib === "out" ? r.is_post === 1 : !r.is_post)
              : !r.is_loc && !r.is_out && (rib === "post" ? r.is_post === 1 : !r.is_post)),
      );
    const rm = (type: string) => rmOf(type, "in");
    await waitFor(
      "pmbmpd to log BIRD's 500 routes",
      async () => rm("update").length >= 500,
      60_000,
    );
    const init = records().find((r) => r.bmp_msg_type === "init");
    expect(init).toMatchObject({
      bmp_init_info_sysname: "router-d",
      bmp_init_info_sysdescr: "dyninfra",
    });
    const up = records().filter((r) => r.bmp_msg_type === "peer_up" && !r.is_loc);
    expect(up).toHaveLength(1);
    expect(up[0]).toMatchObject({
      peer_ip: "192.0.2.2",
      peer_asn: 64501,
      bgp_id: "192.0.2.2",
      local_ip: "192.0.2.1",
      is_post: 0,
    });
    expect([up[0]!.local_port, up[0]!.remote_port]).toContain(179);
    const updates = rm("update");
    expect(new Set(updates.map((r) => r.ip_prefix))).toEqual(new Set(prefixes));
    expect(
      updates.every(
        (r) => r.peer_ip === "192.0.2.2" && r.as_path === "64501" && r.bgp_nexthop === "192.0.2.2",
      ),
    ).toBe(true);
    // The Loc-RIB (RFC 9069): its own Peer Up, BIRD's 500 routes and D's own.
    await waitFor(
      "pmbmpd to log D's Loc-RIB",
      async () => rmOf("update", "loc").length >= 500 + OWN.length,
      30_000,
    );
    expect(records().filter((r) => r.bmp_msg_type === "peer_up" && r.is_loc === 1)).toHaveLength(1);
    const loc = rmOf("update", "loc");
    expect(new Set(loc.map((r) => r.ip_prefix))).toEqual(new Set([...prefixes, ...OWN]));
    expect(
      loc.every((r) =>
        OWN.includes(r.ip_prefix as string)
          ? r.as_path === ""
          : r.as_path === "64501" && r.bgp_nexthop === "192.0.2.2",
      ),
    ).toBe(true);
    // BIRD's routes after D's import policy (accept: the same 500), with the L flag.
    await waitFor(
      "pmbmpd to log the post-policy routes",
      async () => rmOf("update", "post").length >= 500,
      30_000,
    );
    expect(new Set(rmOf("update", "post").map((r) => r.ip_prefix))).toEqual(new Set(prefixes));
    // The Adj-RIB-Out towards BIRD (RFC 8671): D's own routes as BIRD gets them (AS path 64500).
    await waitFor(
      "pmbmpd to log D's Adj-RIB-Out",
      async () => rmOf("update", "out").length >= OWN.length,
      30_000,
    );
    const sent = rmOf("update", "out");
    expect(sent.map((r) => r.ip_prefix).sort()).toEqual([...OWN].sort());
    expect(
      sent.every((r) => r.peer_ip === "192.0.2.2" && r.as_path === "64500" && r.is_post === 1),
    ).toBe(true);
    // … and before D's export policy (accept: the same routes), the O flag without the L flag.
    await waitFor(
      "pmbmpd to log D's pre-policy Adj-RIB-Out",
      async () => rmOf("update", "out-pre").length >= OWN.length,
      30_000,
    );
    const pre = rmOf("update", "out-pre");
    expect(pre.map((r) => r.ip_prefix).sort()).toEqual([...OWN].sort());
    expect(pre.every((r) => r.peer_ip === "192.0.2.2" && r.as_path === "64500")).toBe(true);
    // Statistics Reports: 500 routes in BIRD's Adj-RIB-In.
    const stats = () => records().filter((r) => r.bmp_msg_type === "stats");
    await waitFor(
      "a Statistics Report of 500 routes",
      async () => stats().some((r) => r.counter_type === 7 && r.counter_value === 500),
      30_000,
    );
    // BIRD sends its 500 routes again (`reload out`): duplicates for D — statistic type 1, and its
    // UPDATEs duplicate UPDATEs, type 13 — and every counter of RFC 7854 §4.8 D reports (0–6,
    // 11–13) parsed by pmbmpd.
    await birdc("reload", "out", "d");
    await waitFor(
      "a Statistics Report of 500 duplicate announcements",
      async () => stats().some((r) => r.counter_type === 1 && r.counter_value === 500),
      30_000,
    );
    const last = stats().filter((r) => r.peer_ip === "192.0.2.2");
    expect(new Set(last.map((r) => r.counter_type))).toEqual(
      new Set([0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 14, 15, 16, 17]),
    );
    // RFC 8671: D's two own routes in what BIRD is sent.
    expect(last.some((r) => r.counter_type === 15 && r.counter_value === OWN.length)).toBe(true);
    expect(last.some((r) => r.counter_type === 14 && r.counter_value === OWN.length)).toBe(true);
    expect(last.some((r) => r.counter_type === 13 && (r.counter_value as number) > 0)).toBe(true);
    expect(
      last
        .filter((r) => [0, 2, 3, 4, 5, 6, 11, 12].includes(r.counter_type as number))
        .every((r) => r.counter_value === 0),
    ).toBe(true);
    // BIRD withdraws 100 routes: one Route Monitoring withdrawal each.
    await birdc("disable", "s4b");
    await waitFor(
      "pmbmpd to log 100 withdrawals",
      async () => rm("withdraw").length >= 100,
      30_000,
    );
    expect(new Set(rm("withdraw").map((r) => r.ip_prefix))).toEqual(new Set(prefixes.slice(400)));
    await waitFor(
      "pmbmpd to log 100 post-policy withdrawals",
      async () => rmOf("withdraw", "post").length >= 100,
      30_000,
    );
    await waitFor(
      "pmbmpd to log 100 Loc-RIB withdrawals",
      async () => rmOf("withdraw", "loc").length >= 100,
      30_000,
    );
    expect(new Set(rmOf("withdraw", "loc").map((r) => r.ip_prefix))).toEqual(
      new Set(prefixes.slice(400)),
    );
    // BIRD ends the session (Cease): Peer Down, reason 3 (NOTIFICATION received), with the PDU.
    await birdc("disable", "d");
    await waitFor(
      "pmbmpd to log the Peer Down",
      async () => records().some((r) => r.bmp_msg_type === "peer_down"),
      30_000,
    );
    expect(records().find((r) => r.bmp_msg_type === "peer_down" && !r.is_loc)).toMatchObject({
      peer_ip: "192.0.2.2",
      reason_type: 3,
    });
    expect(lab.log("dyninfra-d")).toMatch(/BMP: reporting to 198\.51\.100\.9 port 1790/);
    void d;
  });
});
