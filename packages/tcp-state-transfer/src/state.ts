/**
 * TCP connection states (RFC 9293 §3.3.2) and their Linux `TCP_*` numbers (include/net/tcp_states.h),
 * which is what `ss`, `/proc/net/tcp` and CRIU's `inet_sk_entry.state` carry.
 */

/** A TCP connection state, spelled as in RFC 9293 §3.3.2. */
export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT";

const toLinux: Readonly<Record<TcpState, number>> = {
  ESTABLISHED: 1,
  "SYN-SENT": 2,
  "SYN-RECEIVED": 3,
  "FIN-WAIT-1": 4,
  "FIN-WAIT-2": 5,
  "TIME-WAIT": 6,
  CLOSED: 7,
  "CLOSE-WAIT": 8,
  "LAST-ACK": 9,
  LISTEN: 10,
  CLOSING: 11,
};

const fromLinux: ReadonlyMap<number, TcpState> = new Map(
  (Object.entries(toLinux) as [TcpState, number][]).map(([k, v]) => [v, k]),
);

/** Every state, in RFC 9293 order. */
export const TCP_STATES: readonly TcpState[] = [
  "CLOSED",
  "LISTEN",
  "SYN-SENT",
  "SYN-RECEIVED",
  "ESTABLISHED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "CLOSE-WAIT",
  "CLOSING",
  "LAST-ACK",
  "TIME-WAIT",
];

/**
 * Linux `TCP_*` number of a state (`TCP_ESTABLISHED` = 1 … `TCP_CLOSING` = 11).
 *
 * @example
 * ```ts
 * linuxTcpStateNumber("ESTABLISHED"); // 1
 * ```
 */
export function linuxTcpStateNumber(state: TcpState): number {
  return toLinux[state];
}

/**
 * State of a Linux `TCP_*` number, or `undefined` for an unknown number.
 *
 * @example
 * ```ts
 * tcpStateFromLinux(8); // "CLOSE-WAIT"
 * ```
 */
export function tcpStateFromLinux(n: number): TcpState | undefined {
  return fromLinux.get(n);
}

/**
 * True for a state name of RFC 9293.
 *
 * @example
 * ```ts
 * isTcpState("LISTEN"); // true
 * ```
 */
export function isTcpState(s: unknown): s is TcpState {
  return typeof s === "string" && Object.hasOwn(toLinux, s);
}
