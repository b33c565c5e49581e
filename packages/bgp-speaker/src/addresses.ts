// Link-local neighbours name their interface as the address's zone (fe80::2%eth1, as node:net
// gives a connection's ends): what the modules that read or write such addresses share.

/** An IPv6 link-local address (fe80::/10), with or without a zone. */
export const isLinkLocal = (a: string): boolean => /^fe[89ab][0-9a-f]:/i.test(a);

/** An address without its zone (MRT and BMP carry 16 octets; next hops have none). */
export const withoutZone = (address: string): string => {
  const i = address.indexOf("%");
  return i < 0 ? address : address.slice(0, i);
};
