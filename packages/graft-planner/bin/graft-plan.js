#!/usr/bin/env node
import "../dist/cli/graft-plan.js";
