// Folds events into a snapshot's state with the browser's own apply (client/web/js/state.js).
// stdin: {"state": <snapshot state>, "events": [<event>, ...]}; stdout: the folded state as JSON.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const { apply } = await import(pathToFileURL(process.argv[2]).href);
const input = JSON.parse(readFileSync(0, "utf8"));
const state = input.state;
for (const event of input.events) apply(state, event);
process.stdout.write(JSON.stringify(state));
