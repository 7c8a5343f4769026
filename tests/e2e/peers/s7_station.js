// A real S7 engineering station / HMI: snap7's S7Client (node-snap7) doing one job against the PLC
// at rack 0 slot 2 (an S7-300's CPU):
//   dbread DB START SIZE   read bytes from a data block (what an HMI does all day)
//   dbwrite DB START BYTE,BYTE,...   write bytes to a data block
//   stop                   PLC STOP (function 0x29)
//   download DB            download a data block (request download 0x1a, then download block 0x1b)
// Prints one JSON line {"op":..,"ok":bool,"error":"...","data":[...]}; exit 0 when the job succeeded.
// Usage: node s7_station.js PLC_IP dbread|stop|download ARGS...
"use strict";
const snap7 = require("node-snap7");

function done(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(result.ok ? 0 : 1);
}

// A minimal but well-formed DB in load-memory format: 36-byte compact block header, MC7 body,
// 56-byte footer (what snap7's CheckBlock and an S7-300 expect to find).
function dataBlock(number, body) {
  const header = Buffer.alloc(36);
  const footer = Buffer.alloc(56);
  const total = header.length + body.length + footer.length;
  header.writeUInt16BE(0x7070, 0);  // "pp": block in load-memory format
  header[2] = 0x01;
  header[3] = 0x01;                 // flags
  header[4] = 0x05;                 // language: DB
  header[5] = 0x0a;                 // sub-block type: DB
  header.writeUInt16BE(number, 6);
  header.writeUInt32BE(total, 8);   // length in load memory
  header.writeUInt16BE(body.length, 34);  // MC7 length
  footer.write("FGTEST", 20, "ascii");    // author
  footer[44] = 0x11;
  return Buffer.concat([header, body, footer]);
}

const [ip, op, ...args] = process.argv.slice(2);
const client = new snap7.S7Client();
// Short timeouts: a request the gateway drops must fail within seconds.
client.SetParam(client.PingTimeout, 3000);
client.SetParam(client.SendTimeout, 3000);
client.SetParam(client.RecvTimeout, 3000);
client.ConnectTo(ip, 0, 2, (err) => {
  if (err) return done({ op, ok: false, stage: "connect", code: err, error: client.ErrorText(err) });
  const finish = (err2, data) => {
    if (err2) return done({ op, ok: false, code: err2, error: client.ErrorText(err2) });
    return done({ op, ok: true, data: data ? Array.from(data) : undefined });
  };
  if (op === "dbread") {
    client.DBRead(Number(args[0]), Number(args[1]), Number(args[2]), finish);
  } else if (op === "dbwrite") {
    const bytes = Buffer.from(args[2].split(",").map(Number));
    client.DBWrite(Number(args[0]), Number(args[1]), bytes.length, bytes, (e) => finish(e));
  } else if (op === "stop") {
    client.PlcStop((e) => finish(e));
  } else if (op === "download") {
    const db = Number(args[0]);
    client.Download(db, dataBlock(db, Buffer.alloc(16, 0x2a)), (e) => finish(e));
  } else {
    done({ op, ok: false, error: "unknown job" });
  }
});
