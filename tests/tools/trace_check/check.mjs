// Loads a Chrome trace written by `litescope profile --trace` with the trace engine of Chrome DevTools'
// Performance panel, and prints the tracks it found and how many events each holds. Exits 1 when the engine
// rejects the file or finds no node events, so that a change to the exporter can be checked against a real
// viewer: tests/tools/check_trace.sh TRACE.json
import {analyzeTrace} from '@paulirish/trace_engine/analyze-trace.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node check.mjs TRACE.json');
  process.exit(2);
}
const {parsedTrace} = await analyzeTrace(file);
const data = parsedTrace.data ?? parsedTrace;
let nodeEvents = 0;
for (const [pid, process_] of data.Renderer.processes) {
  for (const [tid, thread] of process_.threads) {
    console.log(`pid ${pid} tid ${tid} "${thread.name}": ${thread.entries.length} events`);
    if (tid !== 0) nodeEvents += thread.entries.length;
  }
}
const bounds = data.Meta.traceBounds;
console.log(`span ${(bounds.range / 1000).toFixed(3)} ms, ${nodeEvents} node events`);
process.exit(nodeEvents > 0 ? 0 : 1);
