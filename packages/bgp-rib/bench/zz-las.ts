import { decodeMrt } from "@dyninfra/bgp-wire";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { FULL } from "./common";
let n = 0;
for (const r of decodeMrt(gunzipSync(readFileSync(FULL)))) {
  if (n++ < 3) console.log(JSON.stringify(r, (k, v) => typeof v === "bigint" ? String(v) : v).slice(0, 600));
}
