// A real S7 PLC stand-in: snap7's own S7Server (node-snap7) on port 102, with DB1 (recipe,
// 64 bytes: byte i = i) and DB10 (line counters, 32 bytes). snap7's server answers read/write
// var, PLC stop (its virtual CPU goes to STOP) and refuses block downloads as a protected CPU
// would, raising an event for each.
//
// One JSON line per server event on stdout ({"event":"ready"}, then {"event":<code>,"text":..}
// for every PDU snap7 reports), and {"event":"cpu","status":"run"|"stop"} when asked by SIGUSR1:
// that is how a test proves what did or did not reach the PLC.
// Usage: node s7_plc.js [BIND_IP]
"use strict";
const snap7 = require("node-snap7");

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

const server = new snap7.S7Server();
const recipe = Buffer.alloc(64);
for (let i = 0; i < recipe.length; i++) recipe[i] = i;
server.RegisterArea(server.srvAreaDB, 1, recipe);
server.RegisterArea(server.srvAreaDB, 10, Buffer.alloc(32));

const names = new Map([
  [server.evcDataRead, "data_read"], [server.evcDataWrite, "data_write"], [server.evcControl, "control"],
  [server.evcUpload, "upload"], [server.evcDownload, "download"], [server.evcClientAdded, "client_added"],
  [server.evcClientDisconnected, "client_disconnected"], [server.evcNegotiatePDU, "negotiate_pdu"],
  [server.evcPDUincoming, "pdu_incoming"],
]);
server.on("event", (e) => {
  say({
    event: names.get(e.EvtCode) || e.EvtCode, ret: e.EvtRetCode,
    params: [e.EvtParam1, e.EvtParam2, e.EvtParam3, e.EvtParam4], text: server.EventText(e),
  });
});

function cpuStatus() {
  const s = server.GetCpuStatus();
  if (s === server.S7CpuStatusStop) return "stop";
  return s === server.S7CpuStatusRun ? "run" : "unknown";
}
process.on("SIGUSR1", () => say({ event: "cpu", status: cpuStatus() }));
process.on("SIGTERM", () => {
  say({ event: "cpu", status: cpuStatus() });
  server.Stop();
  process.exit(0);
});

if (!server.StartTo(process.argv[2] || "0.0.0.0")) {
  say({ event: "error", message: server.ErrorText(server.LastError()) });
  process.exit(1);
}
say({ event: "ready", cpu: cpuStatus() });
setInterval(() => {}, 1 << 30);
