import { isValidMac, type MacAddress } from "@dyninfra/mac-address";
import { SriovQueuesError } from "./errors";
import { formatMac, parseMac } from "./mac";
import type { Ixgbe82599Switch, VfLinkState } from "./nic-switch";
import type { SysfsResult } from "./sriov-pf";

/** One `vlan VID [qos QOS] [proto PROTO]` clause of `ip link set … vf N`. */
export interface VfVlanSpec {
  readonly vlan: number;
  readonly qos: number;
  readonly proto: "802.1Q" | "802.1ad";
}

/** The settings of `ip link set DEV vf N …` (ip-link(8)); absent fields are left unchanged. */
export interface VfSettings {
  readonly mac?: MacAddress;
  readonly vlans?: readonly VfVlanSpec[];
  /** Legacy `rate` (Mb/s). */
  readonly rate?: number;
  readonly maxTxRate?: number;
  readonly minTxRate?: number;
  readonly spoofchk?: boolean;
  readonly queryRss?: boolean;
  readonly trust?: boolean;
  readonly state?: VfLinkState;
  readonly nodeGuid?: string;
  readonly portGuid?: string;
}

/** A parsed `ip link set [dev] DEV vf N …` command. */
export interface IpLinkSetVf {
  readonly dev: string;
  readonly vf: number;
  readonly settings: VfSettings;
}

// iproute2 tries the keywords in this order and accepts any prefix (`matches()`).
const KEYWORDS = [
  "mac",
  "vlan",
  "rate",
  "max_tx_rate",
  "min_tx_rate",
  "spoofchk",
  "query_rss",
  "trust",
  "state",
  "node_guid",
  "port_guid",
] as const;
type Keyword = (typeof KEYWORDS)[number];

function keyword(arg: string): Keyword | undefined {
  if (arg.length === 0) return undefined;
  return KEYWORDS.find((k) => k.startsWith(arg));
}

const GUID_RE = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){7}$/;

function bad(message: string, index: number, field: string): SriovQueuesError {
  return new SriovQueuesError("BAD_IP_LINK", message, { offset: index, field });
}

function u32(text: string | undefined, index: number, field: string): number {
  if (text === undefined || !/^(?:0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)) {
    throw bad(`invalid "${field}" value ${JSON.stringify(text ?? "")}`, index, field);
  }
  const v = Number(text);
  if (v > 0xffff_ffff) throw bad(`"${field}" value too large`, index, field);
  return v;
}

function onOff(text: string | undefined, index: number, field: string): boolean {
  if (text === "on") return true;
  if (text === "off") return false;
  throw bad(`"${field}" must be on or off`, index, field);
}

/** Splits a shell-like command line on blanks (no quoting: interface names have none). */
function tokens(command: string | readonly string[]): string[] {
  return typeof command === "string"
    ? command
        .trim()
        .split(/\s+/)
        .filter((t) => t !== "")
    : [...command];
}

/**
 * Parses `ip link set [dev] DEV vf N SETTING…` (the full command, or the argv after `ip`).
 * Keywords may be abbreviated as iproute2 allows; values are checked as iproute2 checks them
 * (VLAN ≤ 4095, on/off, auto|enable|disable, MAC and GUID syntax). Throws
 * {@link SriovQueuesError} `BAD_IP_LINK` with the token index as `offset`.
 *
 * @example
 * ```ts
 * const cmd = parseIpLinkSetVf("ip link set dev enp3s0f0 vf 2 mac 02:00:00:00:00:02 vlan 100 qos 3 spoofchk on");
 * cmd.vf;                      // 2
 * cmd.settings.vlans?.[0].qos; // 3
 * ```
 */
export function parseIpLinkSetVf(command: string | readonly string[]): IpLinkSetVf {
  const t = tokens(command);
  let i = 0;
  if (t[i] === "ip") i++;
  if (t[i] !== "link" && t[i] !== "l" && !(t[i] !== undefined && "link".startsWith(t[i]!))) {
    throw bad(`expected "link", got ${JSON.stringify(t[i] ?? "")}`, i, "object");
  }
  i++;
  if (t[i] !== "set") throw bad(`expected "set", got ${JSON.stringify(t[i] ?? "")}`, i, "command");
  i++;
  if (t[i] === "dev") i++;
  const dev = t[i];
  if (dev === undefined || dev.length === 0 || dev.length > 15 || /[/\s]/.test(dev)) {
    throw bad(`invalid device name ${JSON.stringify(dev ?? "")}`, i, "dev");
  }
  i++;
  if (t[i] !== "vf") throw bad(`expected "vf", got ${JSON.stringify(t[i] ?? "")}`, i, "vf");
  i++;
  const vf = u32(t[i], i, "vf");
  i++;
  const s: {
    -readonly [K in keyof VfSettings]: VfSettings[K];
  } = {};
  const vlans: VfVlanSpec[] = [];
  if (i >= t.length) throw bad("vf requires at least one setting", i, "vf");
  while (i < t.length) {
    const at = i;
    const k = keyword(t[i]!);
    if (k === undefined) throw bad(`unknown vf setting ${JSON.stringify(t[i])}`, i, "setting");
    const value = t[i + 1];
    i += 2;
    switch (k) {
      case "mac":
        if (value === undefined || !isValidMac(value))
          throw bad("invalid mac address", at + 1, "mac");
        s.mac = parseMac(value);
        break;
      case "vlan": {
        const vlan = u32(value, at + 1, "vlan");
        if (vlan > 4095) throw bad('invalid "vlan" value', at + 1, "vlan");
        let qos = 0;
        let proto: VfVlanSpec["proto"] = "802.1Q";
        if (t[i] === "qos") {
          qos = u32(t[i + 1], i + 1, "qos");
          i += 2;
        }
        if (t[i] === "proto") {
          const p = t[i + 1];
          if (p === "802.1Q" || p === "802.1q") proto = "802.1Q";
          else if (p === "802.1ad" || p === "802.1AD") proto = "802.1ad";
          else throw bad('invalid "proto" value', i + 1, "proto");
          i += 2;
        }
        vlans.push({ vlan, qos, proto });
        break;
      }
      case "rate":
        s.rate = u32(value, at + 1, "rate");
        break;
      case "max_tx_rate":
        s.maxTxRate = u32(value, at + 1, "max_tx_rate");
        break;
      case "min_tx_rate":
        s.minTxRate = u32(value, at + 1, "min_tx_rate");
        break;
      case "spoofchk":
        s.spoofchk = onOff(value, at + 1, "spoofchk");
        break;
      case "query_rss":
        s.queryRss = onOff(value, at + 1, "query_rss");
        break;
      case "trust":
        s.trust = onOff(value, at + 1, "trust");
        break;
      case "state":
        if (value !== "auto" && value !== "enable" && value !== "disable") {
          throw bad('"state" must be auto, enable or disable', at + 1, "state");
        }
        s.state = value;
        break;
      case "node_guid":
      case "port_guid":
        if (value === undefined || !GUID_RE.test(value)) throw bad(`invalid ${k}`, at + 1, k);
        if (k === "node_guid") s.nodeGuid = value.toLowerCase();
        else s.portGuid = value.toLowerCase();
        break;
    }
  }
  if (vlans.length > 0) s.vlans = vlans;
  return { dev, vf, settings: s };
}

/**
 * Generates the argv (after `ip`) of `ip link set dev DEV vf N …`, settings in iproute2's
 * keyword order; {@link parseIpLinkSetVf} reads it back unchanged.
 *
 * @example
 * ```ts
 * formatIpLinkSetVf({ dev: "eth0", vf: 1, settings: { trust: true, state: "disable" } }).join(" ");
 * // "link set dev eth0 vf 1 trust on state disable"
 * ```
 */
export function formatIpLinkSetVf(cmd: IpLinkSetVf): string[] {
  const s = cmd.settings;
  const out = ["link", "set", "dev", cmd.dev, "vf", String(cmd.vf)];
  const on = (b: boolean) => (b ? "on" : "off");
  if (s.mac !== undefined) out.push("mac", formatMac(s.mac));
  for (const v of s.vlans ?? []) {
    out.push("vlan", String(v.vlan));
    if (v.qos !== 0) out.push("qos", String(v.qos));
    if (v.proto !== "802.1Q") out.push("proto", v.proto);
  }
  if (s.rate !== undefined) out.push("rate", String(s.rate));
  if (s.maxTxRate !== undefined) out.push("max_tx_rate", String(s.maxTxRate));
  if (s.minTxRate !== undefined) out.push("min_tx_rate", String(s.minTxRate));
  if (s.spoofchk !== undefined) out.push("spoofchk", on(s.spoofchk));
  if (s.queryRss !== undefined) out.push("query_rss", on(s.queryRss));
  if (s.trust !== undefined) out.push("trust", on(s.trust));
  if (s.state !== undefined) out.push("state", s.state);
  if (s.nodeGuid !== undefined) out.push("node_guid", s.nodeGuid);
  if (s.portGuid !== undefined) out.push("port_guid", s.portGuid);
  return out;
}

/**
 * Applies parsed settings to the NIC model through the same `ndo_set_vf_*` paths the kernel
 * uses, in iproute2's order. Stops at the first errno (like `RTNETLINK answers: …`).
 * The legacy `rate` is used as `max_tx_rate` when the latter is absent.
 *
 * @example
 * ```ts
 * applyVfSettings(nic, 0, parseIpLinkSetVf("ip link set eth0 vf 0 vlan 10 qos 2").settings);
 * ```
 */
export function applyVfSettings(
  nic: Ixgbe82599Switch,
  vf: number,
  s: VfSettings,
): SysfsResult<void> {
  const steps: (() => SysfsResult<void>)[] = [];
  if (s.mac !== undefined) steps.push(() => nic.setVfMac(vf, s.mac!));
  if (s.vlans !== undefined) {
    if (s.vlans.length > 1) {
      steps.push(() => ({ ok: false, errno: "EOPNOTSUPP", message: "82599 takes one port VLAN" }));
    }
    const v = s.vlans[0]!;
    steps.push(() => nic.setVfVlan(vf, v.vlan, v.qos, v.proto));
  }
  const max = s.maxTxRate ?? s.rate;
  if (max !== undefined || s.minTxRate !== undefined) {
    steps.push(() => nic.setVfRate(vf, max ?? nic.vfInfo(vf).maxTxRate, s.minTxRate ?? 0));
  }
  if (s.spoofchk !== undefined) steps.push(() => nic.setVfSpoofchk(vf, s.spoofchk!));
  if (s.queryRss !== undefined) steps.push(() => nic.setVfRssQuery(vf, s.queryRss!));
  if (s.trust !== undefined) steps.push(() => nic.setVfTrust(vf, s.trust!));
  if (s.state !== undefined) steps.push(() => nic.setVfLinkState(vf, s.state!));
  if (s.nodeGuid !== undefined || s.portGuid !== undefined) {
    steps.push(() => ({ ok: false, errno: "EOPNOTSUPP", message: "GUIDs are for InfiniBand VFs" }));
  }
  for (const step of steps) {
    const r = step();
    if (!r.ok) return r;
  }
  return { ok: true, value: undefined };
}

/** One VF line of `ip link show` as printed by iproute2's `print_vfinfo`. */
export interface VfShowLine {
  readonly vf: number;
  /** "link" for iproute2 ≥ 4.15 (`vf N     link/ether MAC brd BRD`), "legacy" for `vf N MAC MAC`. */
  readonly format: "link" | "legacy";
  readonly linkType?: string;
  readonly mac: string;
  readonly broadcast?: string;
  readonly vlans: readonly VfVlanSpec[];
  readonly txRate?: number;
  readonly maxTxRate?: number;
  readonly minTxRate?: number;
  readonly spoofchk?: boolean;
  readonly nodeGuid?: string;
  readonly portGuid?: string;
  readonly linkState?: VfLinkState;
  readonly trust?: boolean;
  readonly queryRss?: boolean;
  /** VF counters printed under the line by `ip -s link show` (IFLA_VF_STATS). */
  readonly stats?: VfStats;
}

/** The VF counters of `ip -s link show` (print_vf_stats64). */
export interface VfStats {
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly multicast: number;
  readonly broadcast: number;
  readonly rxDropped?: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txDropped?: number;
}

const HEAD_LINK =
  /^(\s*)vf (\d+) {5}link\/(\S+) ((?:[0-9a-fA-F]{2}:){5,19}[0-9a-fA-F]{2})(?: brd ((?:[0-9a-fA-F]{2}:){5,19}[0-9a-fA-F]{2}))?/;
const HEAD_LEGACY = /^(\s*)vf (\d+) MAC ((?:[0-9a-fA-F]{2}:){5,19}[0-9a-fA-F]{2})/;

type MutableVlan = { vlan: number; qos: number; proto: VfVlanSpec["proto"] };
type MutableLine = { -readonly [K in keyof VfShowLine]?: VfShowLine[K] };
type FieldRule = readonly [
  RegExp,
  (m: RegExpExecArray, vlans: MutableVlan[], out: MutableLine) => void,
];

function lastVlan(vlans: MutableVlan[]): MutableVlan {
  let last = vlans.at(-1);
  if (last === undefined) {
    last = { vlan: 0, qos: 0, proto: "802.1Q" };
    vlans.push(last);
  }
  return last;
}

// The fields print_vfinfo appends, each as ", <text>".
const FIELD_RULES: readonly FieldRule[] = [
  [/^vlan (\d+)$/, (m, v) => void v.push({ vlan: Number(m[1]), qos: 0, proto: "802.1Q" })],
  [
    /^qos (\d+)$/,
    (m, v) => {
      lastVlan(v).qos = Number(m[1]);
    },
  ],
  [
    /^vlan protocol (802\.1Q|802\.1ad)$/,
    (m, v) => {
      lastVlan(v).proto = m[1] as VfVlanSpec["proto"];
    },
  ],
  [
    /^tx rate (\d+) \(Mbps\)$/,
    (m, _v, o) => {
      o.txRate = Number(m[1]);
    },
  ],
  [
    /^max_tx_rate (\d+)Mbps$/,
    (m, _v, o) => {
      o.maxTxRate = Number(m[1]);
    },
  ],
  [
    /^min_tx_rate (\d+)Mbps$/,
    (m, _v, o) => {
      o.minTxRate = Number(m[1]);
    },
  ],
  [
    /^spoof checking (on|off)$/,
    (m, _v, o) => {
      o.spoofchk = m[1] === "on";
    },
  ],
  [
    /^NODE_GUID ((?:[0-9a-f]{2}:){7}[0-9a-f]{2})$/,
    (m, _v, o) => {
      o.nodeGuid = m[1]!;
    },
  ],
  [
    /^PORT_GUID ((?:[0-9a-f]{2}:){7}[0-9a-f]{2})$/,
    (m, _v, o) => {
      o.portGuid = m[1]!;
    },
  ],
  [
    /^link-state (auto|enable|disable)$/,
    (m, _v, o) => {
      o.linkState = m[1] as VfLinkState;
    },
  ],
  [
    /^trust (on|off)$/,
    (m, _v, o) => {
      o.trust = m[1] === "on";
    },
  ],
  [
    /^query_rss (on|off)$/,
    (m, _v, o) => {
      o.queryRss = m[1] === "on";
    },
  ],
];

/**
 * Parses one VF line in either real format. Throws `BAD_VF_LINE` (with the column as `offset`)
 * for text iproute2 cannot have printed.
 *
 * @example
 * ```ts
 * parseVfShowLine("    vf 3 MAC fa:16:3e:00:a3:01, vlan 1000, spoof checking on, link-state auto, trust off").vlans[0].vlan; // 1000
 * ```
 */
export function parseVfShowLine(line: string, lineNumber?: number): VfShowLine {
  const where = (offset: number, field: string) => ({ offset, line: lineNumber, field });
  let m = HEAD_LINK.exec(line);
  let rest: string;
  let base: {
    vf: number;
    format: "link" | "legacy";
    linkType?: string;
    mac: string;
    broadcast?: string;
  };
  if (m !== null) {
    base = {
      vf: Number(m[2]),
      format: "link",
      linkType: m[3]!,
      mac: m[4]!.toLowerCase(),
      ...(m[5] !== undefined ? { broadcast: m[5].toLowerCase() } : {}),
    };
    rest = line.slice(m[0].length);
  } else {
    m = HEAD_LEGACY.exec(line);
    if (m === null) {
      throw new SriovQueuesError("BAD_VF_LINE", "not an ip-link VF line", where(0, "vf"));
    }
    base = { vf: Number(m[2]), format: "legacy", mac: m[3]!.toLowerCase() };
    rest = line.slice(m[0].length);
  }
  let col = line.length - rest.length;
  const vlans: MutableVlan[] = [];
  const out: MutableLine = {};
  rest = rest.replace(/\s+$/, "");
  while (rest.length > 0) {
    if (!rest.startsWith(", ")) {
      throw new SriovQueuesError(
        "BAD_VF_LINE",
        `unexpected text ${JSON.stringify(rest.slice(0, 20))}`,
        where(col, "field"),
      );
    }
    const next = rest.indexOf(", ", 2);
    const field = next < 0 ? rest.slice(2) : rest.slice(2, next);
    const handled = FIELD_RULES.some(([re, apply]) => {
      const f = re.exec(field);
      if (f === null) return false;
      apply(f, vlans, out);
      return true;
    });
    if (!handled) {
      throw new SriovQueuesError(
        "BAD_VF_LINE",
        `unknown field ${JSON.stringify(field)}`,
        where(col + 2, "field"),
      );
    }
    const consumed = next < 0 ? rest.length : next;
    col += consumed;
    rest = rest.slice(consumed);
  }
  return { ...base, vlans, ...out };
}

/**
 * Every VF line of an `ip link show` / `ip -s -d link show` dump (other lines — the link header,
 * `link/ether`, counters — are skipped). Line numbers in errors are 1-based.
 *
 * @example
 * ```ts
 * parseIpLinkShowVfs("2: eth0: <UP> mtu 1500\n    vf 0 MAC 00:00:00:00:00:00, spoof checking on, link-state auto\n").length; // 1
 * ```
 */
export function parseIpLinkShowVfs(text: string): VfShowLine[] {
  const out: VfShowLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*vf \d+ /.test(lines[i]!)) continue;
    const vf = parseVfShowLine(lines[i]!, i + 1);
    const rxHead = /^\s*RX: bytes\s+packets\s+mcast\s+bcast(\s+dropped)?\s*$/.exec(
      lines[i + 1] ?? "",
    );
    if (rxHead === null) {
      out.push(vf);
      continue;
    }
    const rx = counters(lines[i + 2], rxHead[1] !== undefined ? 5 : 4, i + 3);
    const txHead = /^\s*TX: bytes\s+packets(\s+dropped)?\s*$/.exec(lines[i + 3] ?? "");
    if (txHead === null) {
      throw new SriovQueuesError("BAD_VF_LINE", "VF RX counters without TX counters", {
        line: i + 4,
        field: "stats",
      });
    }
    const tx = counters(lines[i + 4], txHead[1] !== undefined ? 3 : 2, i + 5);
    const stats: VfStats = {
      rxBytes: rx[0]!,
      rxPackets: rx[1]!,
      multicast: rx[2]!,
      broadcast: rx[3]!,
      ...(rx.length > 4 ? { rxDropped: rx[4]! } : {}),
      txBytes: tx[0]!,
      txPackets: tx[1]!,
      ...(tx.length > 2 ? { txDropped: tx[2]! } : {}),
    };
    out.push({ ...vf, stats });
    i += 4;
  }
  return out;
}

function counters(line: string | undefined, n: number, lineNumber: number): number[] {
  const fields = (line ?? "").trim().split(/\s+/);
  if (fields.length !== n || !fields.every((f) => /^\d+$/.test(f))) {
    throw new SriovQueuesError("BAD_VF_LINE", `expected ${n} plain counters (ip -s without -h)`, {
      line: lineNumber,
      field: "stats",
    });
  }
  return fields.map(Number);
}

/**
 * Prints a VF line exactly as iproute2's `print_vfinfo` does in the chosen format (4-space
 * indent; `tx rate` is the legacy IFLA_VF_TX_RATE, printed when non-zero).
 *
 * @example
 * ```ts
 * formatVfShowLine({ vf: 0, format: "legacy", mac: "00:00:00:00:00:00", vlans: [], spoofchk: true, linkState: "auto" });
 * // "    vf 0 MAC 00:00:00:00:00:00, spoof checking on, link-state auto"
 * ```
 */
export function formatVfShowLine(v: VfShowLine): string {
  let s =
    v.format === "link"
      ? `    vf ${v.vf}     link/${v.linkType ?? "ether"} ${v.mac}${v.broadcast !== undefined ? ` brd ${v.broadcast}` : ""}`
      : `    vf ${v.vf} MAC ${v.mac}`;
  for (const x of v.vlans) {
    if (x.vlan) s += `, vlan ${x.vlan}`;
    if (x.qos) s += `, qos ${x.qos}`;
    if (x.proto !== "802.1Q") s += `, vlan protocol ${x.proto}`;
  }
  if (v.txRate) s += `, tx rate ${v.txRate} (Mbps)`;
  if (v.maxTxRate) s += `, max_tx_rate ${v.maxTxRate}Mbps`;
  if (v.minTxRate) s += `, min_tx_rate ${v.minTxRate}Mbps`;
  if (v.spoofchk !== undefined) s += `, spoof checking ${v.spoofchk ? "on" : "off"}`;
  if (v.nodeGuid !== undefined) s += `, NODE_GUID ${v.nodeGuid}`;
  if (v.portGuid !== undefined) s += `, PORT_GUID ${v.portGuid}`;
  if (v.linkState !== undefined) s += `, link-state ${v.linkState}`;
  if (v.trust !== undefined) s += `, trust ${v.trust ? "on" : "off"}`;
  if (v.queryRss !== undefined) s += `, query_rss ${v.queryRss ? "on" : "off"}`;
  return s;
}

/**
 * The VF line the kernel state of `nic` would make iproute2 print (ixgbe reports max_tx_rate
 * through both IFLA_VF_TX_RATE and IFLA_VF_RATE).
 *
 * @example
 * ```ts
 * formatVfShowLine(vfShowLine(nic, 0, "link"));
 * ```
 */
export function vfShowLine(
  nic: Ixgbe82599Switch,
  vf: number,
  format: "link" | "legacy",
): VfShowLine {
  const i = nic.vfInfo(vf);
  return {
    vf,
    format,
    ...(format === "link" ? { linkType: "ether", broadcast: "ff:ff:ff:ff:ff:ff" } : {}),
    mac: formatMac(i.mac),
    vlans: [{ vlan: i.vlan, qos: i.qos, proto: i.vlanProto }],
    txRate: i.maxTxRate,
    maxTxRate: i.maxTxRate,
    minTxRate: i.minTxRate,
    spoofchk: i.spoofchk,
    linkState: i.linkState,
    trust: i.trust,
    queryRss: i.rssQuery,
  };
}
