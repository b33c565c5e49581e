#!/usr/bin/env node
import "../dist/cli/dyninfra-bgpd.js";
